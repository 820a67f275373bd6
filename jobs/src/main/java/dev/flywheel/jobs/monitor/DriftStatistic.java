package dev.flywheel.jobs.monitor;

/**
 * One drift test's result ({@link DriftTest}).
 *
 * @param count        live values in the window
 * @param bins         bins tested, after merging those expecting too few values; 0 when untested
 * @param psi          population stability index against the reference
 * @param threshold    the PSI above which the window counts as drifted, for this count
 * @param designEffect how much the events' clustering inflates the variance (at least 1)
 * @param pValue       chance of a PSI at least this large on a stationary stream; NaN when untested
 * @param drifted      {@code psi > threshold}
 */
public record DriftStatistic(long count, int bins, double psi, double threshold, double designEffect, double pValue,
        boolean drifted) {

    static DriftStatistic untested(long count) {
        return new DriftStatistic(count, 0, 0, Double.NaN, Double.NaN, Double.NaN, false);
    }

    public boolean tested() {
        return bins > 0;
    }
}
