package dev.flywheel.trainer.trees;

import java.util.List;

/**
 * A gradient-boosted tree ensemble for a binary label: {@code P(label) = sigmoid(bias + sum of the
 * trees' leaf values)}. The sum is taken in float, tree by tree, as ONNX Runtime's tree ensemble
 * operator takes it, so the exported model reproduces these scores to float rounding.
 *
 * @param width number of input features
 * @param bias  the log-odds every row starts from (the training data's base rate)
 * @param trees in the order they were fitted
 */
public record BoostedTrees(int width, float bias, List<RegressionTree> trees) {

    public BoostedTrees {
        trees = List.copyOf(trees);
        for (RegressionTree tree : trees) {
            for (int f : tree.feature()) {
                if (f >= width) {
                    throw new IllegalArgumentException("a tree splits on feature " + f + " of a " + width + "-feature input");
                }
            }
        }
    }

    /** The log-odds of one raw feature vector. */
    public float margin(double[] x) {
        if (x.length != width) {
            throw new IllegalArgumentException(x.length + " features, the model takes " + width);
        }
        float sum = 0;
        for (RegressionTree tree : trees) {
            sum += tree.predict(x);
        }
        return sum + bias;
    }

    public double probability(double[] x) {
        return sigmoid(margin(x));
    }

    /** The logistic function in float, as ONNX's Sigmoid computes it. */
    public static float sigmoid(float margin) {
        return (float) (1 / (1 + Math.exp(-(double) margin)));
    }

    /** How often each feature is split on, over all trees: a rough importance. */
    public int[] splitCounts() {
        int[] counts = new int[width];
        for (RegressionTree tree : trees) {
            for (int f : tree.feature()) {
                if (f >= 0) {
                    counts[f]++;
                }
            }
        }
        return counts;
    }
}
