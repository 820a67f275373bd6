package dev.flywheel.trainer.evaluation;

/**
 * How a model scored on the holdout, beside the best any model could score there.
 *
 * @param bestAchievableAuc AUC of the simulator's exact purchase probability against the same
 *                          realized labels: the ceiling for a model of observable features; NaN where
 *                          no truth is known (live data)
 */
public record HoldoutEvaluation(long examples, long positives, double auc, double logLoss, double brier,
                                CalibrationTable calibration, double bestAchievableAuc) {

    public static final int CALIBRATION_BINS = 10;

    /**
     * @param truth the exact purchase probabilities, or null when unknown
     */
    public static HoldoutEvaluation of(double[] scores, boolean[] labels, double[] truth) {
        long positives = 0;
        for (boolean label : labels) {
            positives += label ? 1 : 0;
        }
        return new HoldoutEvaluation(labels.length, positives,
                BinaryMetrics.auc(scores, labels),
                BinaryMetrics.logLoss(scores, labels),
                BinaryMetrics.brier(scores, labels),
                CalibrationTable.equalWidth(scores, labels, CALIBRATION_BINS),
                truth == null ? Double.NaN : BinaryMetrics.auc(truth, labels));
    }

    public double positiveRate() {
        return (double) positives / examples;
    }
}
