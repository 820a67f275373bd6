package dev.flywheel.trainer.references;

import java.util.Arrays;

/**
 * Sample quantiles by linear interpolation between order statistics (Hyndman and Fan type 7, the
 * default of R and NumPy), so a monitor in another language can recompute them and agree.
 */
public final class Quantiles {
    private Quantiles() {
    }

    /** The quantiles of {@code values} at each level in [0, 1]; {@code values} is not modified. */
    public static double[] at(double[] values, double[] levels) {
        if (values.length == 0) {
            throw new IllegalArgumentException("quantiles of an empty sample are undefined");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double[] result = new double[levels.length];
        for (int i = 0; i < levels.length; i++) {
            result[i] = ofSorted(sorted, levels[i]);
        }
        return result;
    }

    /** {@code count} evenly spaced levels 0, 1/(count-1), ..., 1. */
    public static double[] evenLevels(int count) {
        if (count < 2) {
            throw new IllegalArgumentException("need at least the levels 0 and 1, got " + count);
        }
        double[] levels = new double[count];
        for (int i = 0; i < count; i++) {
            levels[i] = (double) i / (count - 1);
        }
        return levels;
    }

    static double ofSorted(double[] sorted, double level) {
        if (!(level >= 0 && level <= 1)) {
            throw new IllegalArgumentException("quantile level outside [0, 1]: " + level);
        }
        double position = level * (sorted.length - 1);
        int below = (int) Math.floor(position);
        if (below >= sorted.length - 1) {
            return sorted[sorted.length - 1];
        }
        double fraction = position - below;
        return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
    }
}
