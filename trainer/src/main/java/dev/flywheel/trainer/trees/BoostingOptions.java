package dev.flywheel.trainer.trees;

/**
 * How a tree ensemble is fitted (Newton boosting on the log loss, trees grown best leaf first).
 *
 * @param trees            boosting rounds
 * @param learningRate     shrinkage of each tree's leaf values
 * @param maxLeaves        leaves per tree
 * @param minLeafExamples  a split must leave at least this many training rows on each side
 * @param l2               L2 penalty on leaf values (LightGBM's lambda_l2, XGBoost's lambda)
 * @param maxBins          candidate thresholds per feature, plus one
 * @param rowSample        share of the rows each tree is fitted on, drawn afresh per tree (1: all)
 * @param seed             seeds the row samples: the same data and options give the same model
 */
public record BoostingOptions(int trees, double learningRate, int maxLeaves, int minLeafExamples, double l2,
                              int maxBins, double rowSample, long seed) {

    public BoostingOptions {
        if (trees < 1 || maxLeaves < 2 || minLeafExamples < 1 || maxBins < 2 || maxBins > 256) {
            throw new IllegalArgumentException("trees >= 1, leaves >= 2, examples per leaf >= 1 and bins 2..256 expected: "
                    + trees + ", " + maxLeaves + ", " + minLeafExamples + ", " + maxBins);
        }
        if (!(learningRate > 0 && learningRate <= 1) || !(l2 >= 0) || !(rowSample > 0 && rowSample <= 1)) {
            throw new IllegalArgumentException("learning rate in (0, 1], l2 >= 0 and row sample in (0, 1] expected: "
                    + learningRate + ", " + l2 + ", " + rowSample);
        }
    }

    public static final int DEFAULT_TREES = 200;
    public static final int DEFAULT_LEAVES = 7;

    /**
     * Small, strongly regularized trees on half the rows each: the label is a noisy draw of a modest
     * probability, and on the simulated warm-up these beat larger trees (31 leaves: about 0.01 AUC
     * less). 200 trees at a learning rate of 0.1 score as well there as 800 at 0.03, and serving pays
     * per tree: about 3 us a row in ONNX Runtime at batch 64, against 12 for 800.
     */
    public static BoostingOptions defaults(long seed) {
        return new BoostingOptions(DEFAULT_TREES, 0.1, DEFAULT_LEAVES, 300, 10.0, 64, 0.5, seed);
    }

    public BoostingOptions withTrees(int count) {
        return new BoostingOptions(count, learningRate, maxLeaves, minLeafExamples, l2, maxBins, rowSample, seed);
    }
}
