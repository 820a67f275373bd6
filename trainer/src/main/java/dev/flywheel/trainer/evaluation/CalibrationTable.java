package dev.flywheel.trainer.evaluation;

import java.util.ArrayList;
import java.util.List;

/**
 * Predicted against observed purchase rate in equal-width probability bins: bin {@code i} of
 * {@code n} holds scores in {@code [i/n, (i+1)/n)}, the last bin also holds 1.0. Empty bins are kept
 * (count 0, NaN means) so that tables of different models line up row by row.
 */
public record CalibrationTable(List<Bin> bins) {

    /**
     * @param meanPredicted mean score of the bin's examples
     * @param observedRate  share of the bin's examples whose label is 1
     */
    public record Bin(double lower, double upper, long count, double meanPredicted, double observedRate) {
    }

    public CalibrationTable {
        bins = List.copyOf(bins);
    }

    public static CalibrationTable equalWidth(double[] probabilities, boolean[] labels, int binCount) {
        BinaryMetrics.requireSameLength(probabilities, labels);
        if (binCount < 1) {
            throw new IllegalArgumentException("calibration needs at least one bin, got " + binCount);
        }
        long[] counts = new long[binCount];
        double[] predictedSums = new double[binCount];
        long[] positives = new long[binCount];
        for (int i = 0; i < probabilities.length; i++) {
            double p = probabilities[i];
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("not a probability at example " + i + ": " + p);
            }
            int bin = Math.min(binCount - 1, (int) (p * binCount));
            counts[bin]++;
            predictedSums[bin] += p;
            positives[bin] += labels[i] ? 1 : 0;
        }
        List<Bin> bins = new ArrayList<>(binCount);
        for (int b = 0; b < binCount; b++) {
            double meanPredicted = counts[b] == 0 ? Double.NaN : predictedSums[b] / counts[b];
            double observed = counts[b] == 0 ? Double.NaN : (double) positives[b] / counts[b];
            bins.add(new Bin((double) b / binCount, (double) (b + 1) / binCount, counts[b], meanPredicted, observed));
        }
        return new CalibrationTable(bins);
    }

    /** Expected calibration error: the count-weighted mean gap between predicted and observed rate. */
    public double expectedCalibrationError() {
        long total = bins.stream().mapToLong(Bin::count).sum();
        double weightedGap = 0;
        for (Bin bin : bins) {
            if (bin.count() > 0) {
                weightedGap += bin.count() * Math.abs(bin.meanPredicted() - bin.observedRate());
            }
        }
        return weightedGap / total;
    }
}
