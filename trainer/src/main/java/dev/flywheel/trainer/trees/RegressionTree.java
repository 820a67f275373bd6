package dev.flywheel.trainer.trees;

import java.util.Arrays;

/**
 * One binary tree over raw feature values. Node {@code n} is a split when {@code feature[n] >= 0}:
 * a row goes to {@code left[n]} when {@code (float) x[feature[n]] < threshold[n]}, else to
 * {@code right[n]}; otherwise it is a leaf worth {@code value[n]}. Node 0 is the root. Values are
 * floats, as ONNX-ML's tree operators store them, so Java and ONNX Runtime add the same numbers.
 */
public record RegressionTree(int[] feature, float[] threshold, int[] left, int[] right, float[] value) {

    public RegressionTree {
        int n = feature.length;
        if (n == 0 || threshold.length != n || left.length != n || right.length != n || value.length != n) {
            throw new IllegalArgumentException("a tree needs at least one node and one entry per node in every array");
        }
    }

    public int nodes() {
        return feature.length;
    }

    public boolean isLeaf(int node) {
        return feature[node] < 0;
    }

    public float predict(double[] x) {
        int node = 0;
        while (feature[node] >= 0) {
            node = (float) x[feature[node]] < threshold[node] ? left[node] : right[node];
        }
        return value[node];
    }

    public int leaves() {
        int leaves = 0;
        for (int f : feature) {
            leaves += f < 0 ? 1 : 0;
        }
        return leaves;
    }

    // A record compares arrays by reference; trees are compared by content.
    @Override
    public boolean equals(Object other) {
        return other instanceof RegressionTree that && Arrays.equals(feature, that.feature)
                && Arrays.equals(threshold, that.threshold) && Arrays.equals(left, that.left)
                && Arrays.equals(right, that.right) && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(feature) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "RegressionTree[" + nodes() + " nodes, " + leaves() + " leaves]";
    }
}
