package dev.flywheel.jobs.monitor;

import dev.flywheel.health.ModelHealthReport.Verdict;

/**
 * Champion against challenger: is the challenger's mean log loss on its users different from the
 * champion's on theirs, beyond chance? The traffic split assigns users at random, so the two arms
 * are comparable samples; each arm's outcomes are summed per group of users ({@link Groups}), the
 * unit a user's outcomes never leave, and evidence accumulates over every window since the pair
 * started serving together.
 *
 * <ul>
 *   <li><b>Estimate.</b> Each arm's mean log loss is a ratio (loss summed over outcomes / outcomes);
 *       its variance is the linearised ratio estimator's over the groups, which stays right when a
 *       user's outcomes are alike. The difference is challenger minus champion.</li>
 *   <li><b>Looking every window.</b> The test is looked at after every window, indefinitely. A
 *       fixed-level test looked at that often would fire on identical arms sooner or later, so the
 *       evidence is a mixture sequential probability ratio (Johari, Pekelis and Walsh, "Always
 *       valid inference", 2017): with a normal mixture of scale {@code tau} over the difference,
 *       {@code LR = sqrt(V / (V + tau^2)) exp(tau^2 D^2 / (2 V (V + tau^2)))}, and the always-valid
 *       p-value is the running minimum of {@code 1 / LR}. Under no difference, the chance that it
 *       ever falls below alpha is at most alpha, however many windows are looked at. One scale
 *       is blind to effects far from it (a challenger whose log loss is 1.3 worse, with its
 *       heavy-tailed losses, got no verdict at tau = 0.02), so the ratio is the mean over scales
 *       from {@value #SMALLEST_EFFECT} to 1 in log loss; a mean of test martingales is one, so
 *       the guarantee holds, at the price of at most a factor {@code TAUS.length} in evidence.</li>
 *   <li><b>Enough evidence.</b> The sequential test starts once each arm has {@code minLabelled}
 *       outcomes: before that the variance estimate is too rough to trust, and a p-value
 *       that dipped on a handful of outcomes would be kept by the running minimum.</li>
 *   <li><b>A verdict stands.</b> Once given, it stays until the pair changes; the figures keep
 *       moving.</li>
 * </ul>
 *
 * {@code ChallengerComparisonTest} measures the false verdicts on identical arms and the power on
 * different ones, with outcomes clustered like a shop's.
 */
public final class ChallengerComparison {
    static final double SMALLEST_EFFECT = 0.005;
    /** The mixture's scales, in log loss: differences of half a percent up to a whole nat. */
    static final double[] TAUS = {SMALLEST_EFFECT, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0};

    /**
     * One arm's outcomes per group.
     *
     * @param counts outcomes per group
     * @param losses summed log loss per group
     */
    public record Arm(double[] counts, double[] losses) {
        public static Arm empty(int groups) {
            return new Arm(new double[groups], new double[groups]);
        }

        public Arm plus(Arm other) {
            double[] c = counts.clone();
            double[] l = losses.clone();
            for (int g = 0; g < c.length; g++) {
                c[g] += other.counts[g];
                l[g] += other.losses[g];
            }
            return new Arm(c, l);
        }

        public long total() {
            double sum = 0;
            for (double count : counts) {
                sum += count;
            }
            return Math.round(sum);
        }

        public double meanLoss() {
            double count = 0;
            double loss = 0;
            for (int g = 0; g < counts.length; g++) {
                count += counts[g];
                loss += losses[g];
            }
            return count == 0 ? Double.NaN : loss / count;
        }

        /** Variance of {@link #meanLoss()} from the spread of the groups (linearised ratio estimator). */
        public double meanLossVariance() {
            double total = 0;
            int used = 0;
            for (double count : counts) {
                total += count;
            }
            double mean = meanLoss();
            double sum = 0;
            for (int g = 0; g < counts.length; g++) {
                double residual = (losses[g] - mean * counts[g]) / total;
                sum += residual * residual;
            }
            for (double count : counts) {
                used += count > 0 ? 1 : 0;
            }
            return used < 2 ? Double.NaN : sum * counts.length / (counts.length - 1);
        }
    }

    /**
     * @param difference challenger minus champion mean log loss
     * @param stdError   its standard error
     * @param pValue     the always-valid p-value so far
     * @param verdict    whether the evidence settles it
     */
    public record Result(double difference, double stdError, double pValue, Verdict verdict) {
    }

    private ChallengerComparison() {
    }

    /**
     * The evidence after one more window.
     *
     * @param champion        the champion arm, accumulated since the pair started
     * @param challenger      the challenger arm, likewise
     * @param previousPValue  the always-valid p-value after the previous window (1 at the start)
     * @param previousVerdict the verdict after the previous window
     */
    public static Result evaluate(Arm champion, Arm challenger, double previousPValue, Verdict previousVerdict,
            double alpha, long minLabelled) {
        double difference = challenger.meanLoss() - champion.meanLoss();
        double variance = champion.meanLossVariance() + challenger.meanLossVariance();
        double stdError = variance > 0 ? Math.sqrt(variance) : Double.NaN;
        boolean enough = champion.total() >= minLabelled && challenger.total() >= minLabelled;
        if (!enough || !(variance > 0) || Double.isNaN(difference)) {
            return new Result(difference, stdError, previousPValue, previousVerdict);
        }
        double pValue = Math.min(previousPValue, Math.min(1, Math.exp(-logMixtureRatio(difference, variance))));
        Verdict verdict = previousVerdict != Verdict.NO_VERDICT ? previousVerdict
                : pValue > alpha ? Verdict.NO_VERDICT
                : difference < 0 ? Verdict.CHALLENGER_BETTER : Verdict.CHALLENGER_WORSE;
        return new Result(difference, stdError, pValue, verdict);
    }

    /** log of the mean over {@link #TAUS} of the normal-mixture likelihood ratios, computed without overflow. */
    static double logMixtureRatio(double difference, double variance) {
        double[] logs = new double[TAUS.length];
        double largest = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < TAUS.length; i++) {
            double tau2 = TAUS[i] * TAUS[i];
            logs[i] = 0.5 * Math.log(variance / (variance + tau2))
                    + tau2 * difference * difference / (2 * variance * (variance + tau2));
            largest = Math.max(largest, logs[i]);
        }
        double sum = 0;
        for (double log : logs) {
            sum += Math.exp(log - largest);
        }
        return largest + Math.log(sum / TAUS.length);
    }
}
