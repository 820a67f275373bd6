package dev.flywheel.jobs.monitor;

import java.util.Arrays;

/**
 * How well a model's scores matched what happened, on one window's labelled outcomes: AUC with a
 * standard error that holds when outcomes come in clusters, log loss, Brier score, calibration
 * error and the positive rate.
 *
 * <p>Why clusters: a user's events within a session share one label (a purchase in the next 30
 * minutes labels all of them) and similar scores, so a window of n outcomes carries less evidence
 * than n independent ones, and the textbook (Hanley-McNeil, DeLong) standard errors of AUC are too
 * small for it. Outcomes arrive in groups of users ({@link Groups}); the standard error here is
 * Obuchowski's (Biometrics 53, 1997) DeLong variance for clustered data, with the groups as
 * clusters. A user's outcomes all fall in one group, so the groups are independent.
 */
public final class LiveQuality {
    /** Log loss clips the probability of what happened here, as the trainer does. */
    public static final double LOG_LOSS_EPSILON = 1e-15;
    static final int CALIBRATION_BINS = 10;

    /**
     * @param aucVariance  clustered variance of the AUC; NaN with AUC
     * @param auc          NaN when the window holds one class only
     * @param meanScore    the mean predicted probability
     * @param biasVariance clustered variance of the purchase rate minus the mean score (calibration
     *                     in the large); NaN with fewer than two groups
     * @param biasDegreesOfFreedom the degrees of freedom that variance rests on (Satterthwaite): fewer
     *                     than the groups when a few groups' residuals dominate, as a handful of
     *                     buying sessions do in a small window
     */
    public record Result(long labelled, long positives, double auc, double aucVariance, double logLoss, double brier,
            double calibrationError, double meanScore, double biasVariance, double biasDegreesOfFreedom) {

        /** The purchase rate minus the mean score: positive when the model predicts too few purchases. */
        public double bias() {
            return positiveRate() - meanScore;
        }

        public double positiveRate() {
            return labelled == 0 ? Double.NaN : (double) positives / labelled;
        }

        /** The AUC's variance as if outcomes were independent (Hanley-McNeil), for the design effect. */
        public double independentAucVariance() {
            return hanleyMcNeilVariance(auc, positives, labelled - positives);
        }
    }

    private LiveQuality() {
    }

    /**
     * @param scores   the model's score per outcome
     * @param labels   whether each outcome was a purchase
     * @param clusters each outcome's group, {@code 0 <= cluster < clusterCount}
     */
    public static Result of(double[] scores, boolean[] labels, int[] clusters, int clusterCount) {
        int n = scores.length;
        if (labels.length != n || clusters.length != n) {
            throw new IllegalArgumentException("scores, labels and clusters differ in length");
        }
        if (n == 0) {
            return new Result(0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN);
        }
        long positives = 0;
        double scoreSum = 0;
        double logLoss = 0;
        double brier = 0;
        long[] binCount = new long[CALIBRATION_BINS];
        double[] binScore = new double[CALIBRATION_BINS];
        long[] binPositives = new long[CALIBRATION_BINS];
        for (int i = 0; i < n; i++) {
            double p = scores[i];
            boolean y = labels[i];
            positives += y ? 1 : 0;
            scoreSum += p;
            logLoss -= Math.log(Math.max(LOG_LOSS_EPSILON, y ? p : 1 - p));
            double error = p - (y ? 1 : 0);
            brier += error * error;
            int bin = Math.min(CALIBRATION_BINS - 1, Math.max(0, (int) (p * CALIBRATION_BINS)));
            binCount[bin]++;
            binScore[bin] += p;
            binPositives[bin] += y ? 1 : 0;
        }
        double calibration = 0;
        for (int b = 0; b < CALIBRATION_BINS; b++) {
            if (binCount[b] > 0) {
                calibration += Math.abs(binScore[b] - binPositives[b]);
            }
        }
        double[] aucAndVariance = clusteredAuc(scores, labels, clusters, clusterCount);
        double[] bias = clusteredBiasVariance(scores, labels, clusters, clusterCount, (positives - scoreSum) / n);
        return new Result(n, positives, aucAndVariance[0], aucAndVariance[1], logLoss / n, brier / n, calibration / n,
                scoreSum / n, bias[0], bias[1]);
    }

    /**
     * The variance of the mean of (label - score) when outcomes come in clusters: the spread of the
     * groups' sums around what the mean predicts for them (a ratio estimator's linearization), and
     * its Satterthwaite degrees of freedom, (sum r^2)^2 / sum r^4 - 1 over the groups' residuals r.
     *
     * @return {variance, degrees of freedom}; NaN with fewer than two groups
     */
    static double[] clusteredBiasVariance(double[] scores, boolean[] labels, int[] clusters, int clusterCount,
            double bias) {
        if (clusterCount < 2) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double[] residual = new double[clusterCount];
        for (int i = 0; i < scores.length; i++) {
            residual[clusters[i]] += (labels[i] ? 1 : 0) - scores[i] - bias;
        }
        double squares = 0;
        double fourths = 0;
        for (double r : residual) {
            squares += r * r;
            fourths += r * r * r * r;
        }
        double n = scores.length;
        double degreesOfFreedom = fourths > 0 ? Math.max(1, squares * squares / fourths - 1) : clusterCount - 1;
        return new double[] {(double) clusterCount / (clusterCount - 1) * squares / (n * n), degreesOfFreedom};
    }

    /**
     * AUC as the Mann-Whitney statistic with mid-ranks, and Obuchowski's clustered variance.
     *
     * @return {auc, variance}; both NaN with one class only, the variance NaN with one cluster
     */
    static double[] clusteredAuc(double[] scores, boolean[] labels, int[] clusters, int clusterCount) {
        int n = scores.length;
        long positives = 0;
        for (boolean label : labels) {
            positives += label ? 1 : 0;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        // Sort indices by score through packed longs: order-preserving bits of the score, then the index.
        long[] order = new long[n];
        for (int i = 0; i < n; i++) {
            long bits = Double.doubleToLongBits(scores[i] + 0.0);
            bits = bits < 0 ? ~bits : bits | Long.MIN_VALUE;
            order[i] = bits;
        }
        Integer[] indices = new Integer[n];
        for (int i = 0; i < n; i++) {
            indices[i] = i;
        }
        Arrays.sort(indices, (a, b) -> Long.compareUnsigned(order[a], order[b]));

        // Placement values: for a positive, the share of negatives below it (ties half); for a
        // negative, the share of positives above it.
        double[] placement = new double[n];
        long negativesBelow = 0;
        long positivesBelow = 0;
        int start = 0;
        while (start < n) {
            int end = start;
            while (end + 1 < n && scores[indices[end + 1]] == scores[indices[start]]) {
                end++;
            }
            long tiedPositives = 0;
            for (int k = start; k <= end; k++) {
                tiedPositives += labels[indices[k]] ? 1 : 0;
            }
            long tiedNegatives = end - start + 1 - tiedPositives;
            for (int k = start; k <= end; k++) {
                int i = indices[k];
                placement[i] = labels[i]
                        ? (negativesBelow + 0.5 * tiedNegatives) / negatives
                        : (positives - positivesBelow - tiedPositives + 0.5 * tiedPositives) / positives;
            }
            negativesBelow += tiedNegatives;
            positivesBelow += tiedPositives;
            start = end + 1;
        }
        double auc = 0;
        for (int i = 0; i < n; i++) {
            if (labels[i]) {
                auc += placement[i];
            }
        }
        auc /= positives;
        if (clusterCount < 2) {
            return new double[] {auc, Double.NaN};
        }
        double[] positiveSum = new double[clusterCount];
        double[] negativeSum = new double[clusterCount];
        long[] positiveCount = new long[clusterCount];
        long[] negativeCount = new long[clusterCount];
        for (int i = 0; i < n; i++) {
            if (labels[i]) {
                positiveSum[clusters[i]] += placement[i];
                positiveCount[clusters[i]]++;
            } else {
                negativeSum[clusters[i]] += placement[i];
                negativeCount[clusters[i]]++;
            }
        }
        double s10 = 0;
        double s01 = 0;
        double s11 = 0;
        for (int k = 0; k < clusterCount; k++) {
            double a = positiveSum[k] - positiveCount[k] * auc;
            double b = negativeSum[k] - negativeCount[k] * auc;
            s10 += a * a;
            s01 += b * b;
            s11 += a * b;
        }
        double factor = (double) clusterCount / (clusterCount - 1);
        s10 *= factor / positives;
        s01 *= factor / negatives;
        s11 *= factor;
        double variance = s10 / positives + s01 / negatives + 2 * s11 / ((double) positives * negatives);
        return new double[] {auc, variance};
    }

    /** The AUC's variance for independent outcomes (Hanley and McNeil, Radiology 143, 1982). */
    public static double hanleyMcNeilVariance(double auc, long positives, long negatives) {
        if (Double.isNaN(auc) || positives < 1 || negatives < 1) {
            return Double.NaN;
        }
        double q1 = auc / (2 - auc);
        double q2 = 2 * auc * auc / (1 + auc);
        return (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc))
                / ((double) positives * negatives);
    }
}
