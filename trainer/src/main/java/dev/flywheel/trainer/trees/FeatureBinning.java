package dev.flywheel.trainer.trees;

import java.util.Arrays;

/**
 * Cuts each feature's range into at most {@code maxBins} bins at training-data quantiles, so the
 * trainer looks for splits among a few candidate thresholds per feature instead of every value.
 *
 * <p>Thresholds are floats and every value is rounded to float before it is compared, because the
 * exported ONNX graph takes a float tensor: a split {@code x < threshold} then sends a row the same
 * way in Java and in ONNX Runtime. Each threshold is itself a value seen in training, so a bin holds
 * the values {@code [threshold[b - 1], threshold[b])} and no threshold falls between two floats.
 */
public final class FeatureBinning {
    private final float[][] thresholds;

    private FeatureBinning(float[][] thresholds) {
        this.thresholds = thresholds;
    }

    /**
     * @param columns {@code columns[f][row]}, the training values of each feature
     * @param maxBins at most this many bins per feature (2 to 256)
     */
    public static FeatureBinning fit(double[][] columns, int maxBins) {
        if (maxBins < 2 || maxBins > 256) {
            throw new IllegalArgumentException("bins per feature must be 2 to 256, got " + maxBins);
        }
        float[][] thresholds = new float[columns.length][];
        for (int f = 0; f < columns.length; f++) {
            thresholds[f] = thresholds(columns[f], maxBins);
        }
        return new FeatureBinning(thresholds);
    }

    private static float[] thresholds(double[] column, int maxBins) {
        float[] sorted = new float[column.length];
        for (int i = 0; i < column.length; i++) {
            sorted[i] = (float) column[i];
        }
        Arrays.sort(sorted);
        // Distinct values with their counts, so a value taking half the column (a default) is one bin.
        float[] distinct = new float[sorted.length];
        int[] endIndex = new int[sorted.length];
        int d = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (d == 0 || Float.compare(sorted[i], distinct[d - 1]) != 0) {
                distinct[d++] = sorted[i];
            }
            endIndex[d - 1] = i + 1;
        }
        if (d <= 1) {
            return new float[0];
        }
        if (d <= maxBins) {
            return Arrays.copyOfRange(distinct, 1, d);
        }
        // A threshold where the running count first reaches each quantile; a heavy value ends its own bin.
        float[] chosen = new float[maxBins - 1];
        int count = 0;
        int next = 0;
        for (int b = 1; b < maxBins; b++) {
            long target = (long) sorted.length * b / maxBins;
            while (next < d - 1 && endIndex[next] <= target) {
                next++;
            }
            float threshold = distinct[Math.max(next, 1)];
            if (count == 0 || threshold > chosen[count - 1]) {
                chosen[count++] = threshold;
            }
        }
        return Arrays.copyOf(chosen, count);
    }

    public int features() {
        return thresholds.length;
    }

    /** The number of bins of feature {@code f}: one more than its thresholds. */
    public int bins(int f) {
        return thresholds[f].length + 1;
    }

    /** The lower bound of bin {@code bin} of feature {@code f}: a row goes right of it when {@code x >= threshold}. */
    public float threshold(int f, int bin) {
        return thresholds[f][bin - 1];
    }

    /** The bin of a value: how many thresholds are at or below it. */
    public int bin(int f, double value) {
        float x = (float) value;
        float[] t = thresholds[f];
        int low = 0;
        int high = t.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (x < t[mid]) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return low;
    }
}
