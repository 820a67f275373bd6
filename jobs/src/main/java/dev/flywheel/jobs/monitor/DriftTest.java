package dev.flywheel.jobs.monitor;

/**
 * Population stability index of a window's live values against a reference, and whether it is
 * larger than chance allows at this window's size.
 *
 * <p>PSI = sum over bins of (a - e) ln(a / e), a the live share and e the reference's. For n live
 * values drawn independently from the reference, n PSI is approximately chi-square with k - 1
 * degrees of freedom (PSI is the symmetrised Kullback-Leibler divergence, whose second-order term
 * is Pearson's X^2 / n). A fixed threshold ignores n: PSI 0.1 is a real shift at n = 20,000 and
 * noise at n = 200. Here the threshold scales with the sample:
 *
 * <pre>
 *   threshold = q x deff x (1/n + 1/m)
 * </pre>
 *
 * <ul>
 *   <li>{@code m}, the reference's own sample size: a reference estimated from m values is off by
 *       chance too, and the two errors add;</li>
 *   <li>{@code deff}, the design effect. Live events are not independent draws: a session's events
 *       share their user's history and the session's state, and an item's events its popularity and
 *       price, so a window of n events holds far fewer than n independent observations (design
 *       effects of 2 to 10 on the simulated shop), and the plain chi-square threshold fires on
 *       almost every stationary window. Counts arrive per cell of {@link Groups}: user group x item
 *       group. The spread of the user groups' histograms, plus the item groups', minus the cells'
 *       (two-way clustering, Cameron, Gelbach and Miller 2011) estimates the covariance of the bin
 *       shares; Rao and Scott's second-order correction (Annals of Statistics 12, 1984) turns it
 *       into a scale (mean eigenvalue x (1 + their squared coefficient of variation), at least 1)
 *       and fewer degrees of freedom;</li>
 *   <li>{@code q}, the (1 - alpha) quantile of {@code nu F(nu, g - 1)}, nu the corrected degrees of
 *       freedom and g the number of groups the variance effectively rests on (Satterthwaite's
 *       (sum r^2)^2 / sum r^4 over the groups' residuals): an estimated design effect is itself
 *       noisy, most of all in a small window whose few long sessions dominate a few groups, and
 *       the F tail pays for it. With one cell (no groups) it is the chi-square quantile.</li>
 * </ul>
 *
 * Bins whose expected live count n e falls below {@value #MIN_EXPECTED} are merged with their
 * neighbours first, as for any chi-square test: a bin expecting 0.2 values gives the statistic a
 * far heavier tail than chi-square. {@code DriftCalibrationTest} measures the false-alarm rate on
 * stationary windows of several sizes, and the power on a shifted stream (docs/monitor.md).
 */
public final class DriftTest {
    /** Merged bins expect at least this many live values. */
    public static final double MIN_EXPECTED = 5;
    /** Guards the scale against a degenerate window (every group alike); independent data sits near 1. */
    static final double MIN_DESIGN_EFFECT = 0.25;

    private DriftTest() {
    }

    /**
     * @param reference the reference bins
     * @param counts    live counts per user group, item group and reference bin; a single cell
     *                  means no design-effect estimate (independent values assumed)
     * @param alpha     the false-alarm rate this one test may have
     * @param minCount  fewer live values than this are not tested
     */
    public static DriftStatistic test(ReferenceBins reference, long[][][] counts, double alpha, long minCount) {
        int bins = reference.bins();
        int userGroups = counts.length;
        int itemGroups = counts[0].length;
        long n = 0;
        long[] total = new long[bins];
        for (long[][] byItem : counts) {
            for (long[] cell : byItem) {
                if (cell.length != bins) {
                    throw new IllegalArgumentException("counts have " + cell.length + " bins, the reference " + bins);
                }
                for (int i = 0; i < bins; i++) {
                    total[i] += cell[i];
                    n += cell[i];
                }
            }
        }
        if (n < Math.max(1, minCount)) {
            return DriftStatistic.untested(n);
        }

        return evaluate(reference, counts, total, n, n, alpha);
    }

    private static DriftStatistic evaluate(ReferenceBins reference, long[][][] counts, long[] total, long n,
            double mergingCount, double alpha) {
        int bins = reference.bins();
        int userGroups = counts.length;
        int itemGroups = counts[0].length;
        int[] mergedOf = new int[bins];
        int merged = mergeSmallBins(reference.fractions(), mergingCount, mergedOf);
        if (merged < 2) {
            return DriftStatistic.untested(n);
        }
        double[] expected = new double[merged];
        long[] observed = new long[merged];
        for (int i = 0; i < bins; i++) {
            expected[mergedOf[i]] += reference.fractions()[i];
            observed[mergedOf[i]] += total[i];
        }

        double psi = 0;
        for (int j = 0; j < merged; j++) {
            // An empty live bin counts half a value, so the log stays finite (a continuity correction).
            double live = Math.max(observed[j], 0.5) / n;
            psi += (live - expected[j]) * Math.log(live / expected[j]);
        }

        double designEffect = 1;
        double effectiveDf = merged - 1;
        double groupDf = 0;
        if (userGroups >= 2) {
            double[][] byUser = new double[userGroups][merged];
            double[][] byItem = new double[itemGroups][merged];
            double[][] byCell = new double[userGroups * itemGroups][merged];
            for (int u = 0; u < userGroups; u++) {
                for (int g = 0; g < itemGroups; g++) {
                    for (int i = 0; i < bins; i++) {
                        long c = counts[u][g][i];
                        byUser[u][mergedOf[i]] += c;
                        byItem[g][mergedOf[i]] += c;
                        byCell[u * itemGroups + g][mergedOf[i]] += c;
                    }
                }
            }
            double[] shares = new double[merged];
            for (int j = 0; j < merged; j++) {
                shares[j] = (double) observed[j] / n;
            }
            double[][] covariance = groupCovariance(byUser, shares, n);
            groupDf = effectiveGroups(byUser, shares) - 1;
            double covarianceDf = groupDf;
            if (itemGroups >= 2) {
                // Two-way clustering (Cameron, Gelbach and Miller 2011): users plus items minus their
                // intersection, so events alike through their user and events alike through their
                // item both count.
                double[][] items = groupCovariance(byItem, shares, n);
                double itemDf = effectiveGroups(byItem, shares) - 1;
                // The sum of two estimates is noisier than either: its degrees of freedom add harmonically.
                covarianceDf = 1 / (1 / Math.max(1, groupDf) + 1 / Math.max(1, itemDf));
                groupDf = Math.min(groupDf, itemDf);
                double[][] cells = groupCovariance(byCell, shares, n);
                for (int j = 0; j < merged; j++) {
                    for (int l = 0; l < merged; l++) {
                        covariance[j][l] += items[j][l] - cells[j][l];
                    }
                }
            }
            // D = P^-1 V over the first k - 1 bins, P the multinomial covariance of independent draws,
            // P^-1 = n (diag(1/e) + 1 1' / e_k). Its eigenvalues are the design effects of the
            // statistic's components; their mean and spread give Rao and Scott's second-order
            // correction (Annals of Statistics 12, 1984): divide by mean x (1 + a^2), a the
            // coefficient of variation of the eigenvalues, and test on (k - 1) / (1 + a^2) degrees
            // of freedom.
            int d = merged - 1;
            double last = expected[merged - 1];
            double[] columnSums = new double[merged];
            for (int m = 0; m < d; m++) {
                for (int l = 0; l < d; l++) {
                    columnSums[l] += covariance[m][l];
                }
            }
            double[][] effect = new double[d][d];
            for (int j = 0; j < d; j++) {
                for (int l = 0; l < d; l++) {
                    effect[j][l] = n * (covariance[j][l] / expected[j] + columnSums[l] / last);
                }
            }
            double trace = 0;
            double traceOfSquare = 0;
            for (int j = 0; j < d; j++) {
                trace += effect[j][j];
                for (int l = 0; l < d; l++) {
                    traceOfSquare += effect[j][l] * effect[l][j];
                }
            }
            double meanEffect = trace / d;
            // Estimation noise spreads the eigenvalues by itself: for a covariance estimated on nu
            // degrees of freedom, E tr(S^2) = (1 + 1/nu) tr(V^2) + tr(V)^2 / nu. Taking that bias
            // out keeps independent data from paying for a spread it does not have.
            double nu = Math.max(1, covarianceDf);
            double squareUnbiased = (traceOfSquare - trace * trace / nu) / (1 + 1 / nu);
            double spread = meanEffect > 0 ? Math.max(0, squareUnbiased / d / (meanEffect * meanEffect) - 1) : 0;
            // Not floored at 1: on independent data the estimate falls below 1 as often as above, and
            // the F tail below already pays for that noise; a floor would pay twice.
            designEffect = Math.max(MIN_DESIGN_EFFECT, meanEffect) * (1 + spread);
            effectiveDf = d / (1 + spread);
        }

        double scale = designEffect * (1.0 / n + (reference.sampleSize() > 0 ? 1.0 / reference.sampleSize() : 0));
        double statistic = psi / scale;
        double pValue;
        double quantile;
        if (userGroups >= 2) {
            // The design effect is itself estimated, from groups: F rather than chi-square, with the
            // groups' degrees of freedom as denominator, as a clustered Wald test takes F(q, G - 1).
            // Conservative for independent data (calibration table), which pays for the few long
            // sessions that dominate a small window of a real stream.
            double denominatorDf = Math.max(1, groupDf);
            pValue = 1 - Distributions.fCdf(statistic / effectiveDf, effectiveDf, denominatorDf);
            quantile = effectiveDf * Distributions.fQuantile(1 - alpha, effectiveDf, denominatorDf);
        } else {
            pValue = 1 - Distributions.chiSquareCdf(statistic, merged - 1);
            quantile = Distributions.chiSquareQuantile(1 - alpha, merged - 1);
        }
        double threshold = quantile * scale;
        return new DriftStatistic(n, merged, psi, threshold, designEffect, pValue, psi > threshold);
    }

    /**
     * How many groups the variance estimate effectively stands on: all of them when they
     * contribute alike, one when one group's residual dominates (a window of a few long sessions).
     * Satterthwaite's (sum r^2)^2 / sum r^4 over the groups' squared residual norms.
     */
    private static double effectiveGroups(double[][] groupCounts, double[] shares) {
        double sum = 0;
        double sumOfSquares = 0;
        double n = 0;
        for (double[] group : groupCounts) {
            for (double c : group) {
                n += c;
            }
        }
        for (double[] group : groupCounts) {
            double size = 0;
            for (double c : group) {
                size += c;
            }
            double norm = 0;
            for (int j = 0; j < shares.length; j++) {
                double residual = (group[j] - shares[j] * size);
                norm += residual * residual;
            }
            sum += norm;
            sumOfSquares += norm * norm;
        }
        return sumOfSquares > 0 ? sum * sum / sumOfSquares : groupCounts.length;
    }

    /** Covariance of the bins' shares from the spread of the groups: the linearised ratio estimator. */
    private static double[][] groupCovariance(double[][] groupCounts, double[] shares, long n) {
        int k = shares.length;
        double[][] covariance = new double[k][k];
        double[] residual = new double[k];
        for (double[] group : groupCounts) {
            double size = 0;
            for (double c : group) {
                size += c;
            }
            if (size == 0) {
                continue;
            }
            for (int j = 0; j < k; j++) {
                residual[j] = (group[j] - shares[j] * size) / n;
            }
            for (int j = 0; j < k; j++) {
                for (int l = 0; l < k; l++) {
                    covariance[j][l] += residual[j] * residual[l];
                }
            }
        }
        double factor = (double) groupCounts.length / (groupCounts.length - 1);
        for (double[] row : covariance) {
            for (int l = 0; l < k; l++) {
                row[l] *= factor;
            }
        }
        return covariance;
    }

    /**
     * Assigns each bin to a merged bin, left to right, closing a merged bin once it expects
     * {@link #MIN_EXPECTED} live values; a short remainder joins the last closed bin.
     *
     * @return the number of merged bins
     */
    static int mergeSmallBins(double[] fractions, double n, int[] mergedOf) {
        int current = 0;
        double accumulated = 0;
        int lastClosed = -1;
        for (int i = 0; i < fractions.length; i++) {
            mergedOf[i] = current;
            accumulated += fractions[i];
            if (accumulated * n >= MIN_EXPECTED) {
                lastClosed = current;
                current++;
                accumulated = 0;
            }
        }
        if (lastClosed < 0) {
            return fractions.length == 0 ? 0 : 1;
        }
        for (int i = 0; i < fractions.length; i++) {
            mergedOf[i] = Math.min(mergedOf[i], lastClosed);
        }
        return lastClosed + 1;
    }
}
