package dev.flywheel.trainer.trees;

import java.util.ArrayList;
import java.util.List;

/**
 * Grows one tree, best leaf first, on binned rows. A leaf's rows are a range of one index array
 * that each split partitions in place; its histogram holds, per feature and bin, the sums of the
 * gradient, the curvature and the row count.
 */
final class TreeGrower {
    /** Gains below this are rounding noise, not a split. */
    private static final double MIN_GAIN = 1e-9;

    private final FeatureBinning binning;
    private final byte[] binned;
    private final int width;
    private final BoostingOptions options;
    private final int[] offsets;
    private final int totalBins;

    TreeGrower(FeatureBinning binning, byte[] binned, int rows, int width, BoostingOptions options) {
        this.binning = binning;
        this.binned = binned;
        this.width = width;
        this.options = options;
        this.offsets = new int[width + 1];
        for (int f = 0; f < width; f++) {
            offsets[f + 1] = offsets[f] + binning.bins(f);
        }
        this.totalBins = offsets[width];
    }

    /** A grown tree with the bins its splits use, to place training rows without their raw values. */
    record Grown(RegressionTree tree, int[] splitBin, byte[] binned, int width) {
        float valueOfBinnedRow(int row) {
            int node = 0;
            int[] feature = tree.feature();
            while (feature[node] >= 0) {
                int bin = binned[row * width + feature[node]] & 0xff;
                node = bin < splitBin[node] ? tree.left()[node] : tree.right()[node];
            }
            return tree.value()[node];
        }
    }

    private static final class Leaf {
        final int node;
        final int start;
        final int end;
        double[] histogram;
        double gradient;
        double hessian;
        int splitFeature = -1;
        int splitBin;
        double gain;

        Leaf(int node, int start, int end) {
            this.node = node;
            this.start = start;
            this.end = end;
        }

        int count() {
            return end - start;
        }
    }

    Grown grow(int[] sample, double[] gradient, double[] hessian) {
        int[] index = sample.clone();
        List<Integer> feature = new ArrayList<>();
        List<Float> threshold = new ArrayList<>();
        List<Integer> splitBin = new ArrayList<>();
        List<Integer> left = new ArrayList<>();
        List<Integer> right = new ArrayList<>();
        List<Float> value = new ArrayList<>();
        addNode(feature, threshold, splitBin, left, right, value);

        Leaf root = new Leaf(0, 0, index.length);
        root.histogram = histogram(index, root.start, root.end, gradient, hessian);
        for (int k = 0; k < index.length; k++) {
            root.gradient += gradient[index[k]];
            root.hessian += hessian[index[k]];
        }
        findSplit(root);
        List<Leaf> leaves = new ArrayList<>(List.of(root));
        while (leaves.size() < options.maxLeaves()) {
            Leaf best = null;
            for (Leaf leaf : leaves) {
                if (leaf.splitFeature >= 0 && (best == null || leaf.gain > best.gain)) {
                    best = leaf;
                }
            }
            if (best == null) {
                break;
            }
            int middle = partition(index, best);
            int leftNode = addNode(feature, threshold, splitBin, left, right, value);
            int rightNode = addNode(feature, threshold, splitBin, left, right, value);
            feature.set(best.node, best.splitFeature);
            threshold.set(best.node, binning.threshold(best.splitFeature, best.splitBin));
            splitBin.set(best.node, best.splitBin);
            left.set(best.node, leftNode);
            right.set(best.node, rightNode);

            Leaf smaller;
            Leaf larger;
            Leaf leftLeaf = new Leaf(leftNode, best.start, middle);
            Leaf rightLeaf = new Leaf(rightNode, middle, best.end);
            if (leftLeaf.count() <= rightLeaf.count()) {
                smaller = leftLeaf;
                larger = rightLeaf;
            } else {
                smaller = rightLeaf;
                larger = leftLeaf;
            }
            smaller.histogram = histogram(index, smaller.start, smaller.end, gradient, hessian);
            larger.histogram = best.histogram; // the parent's, minus the smaller child's below
            best.histogram = null;
            for (int i = 0; i < larger.histogram.length; i++) {
                larger.histogram[i] -= smaller.histogram[i];
            }
            for (Leaf child : List.of(leftLeaf, rightLeaf)) {
                for (int k = child.start; k < child.end; k++) {
                    child.gradient += gradient[index[k]];
                    child.hessian += hessian[index[k]];
                }
                findSplit(child);
            }
            leaves.remove(best);
            leaves.add(leftLeaf);
            leaves.add(rightLeaf);
        }
        for (Leaf leaf : leaves) {
            value.set(leaf.node, (float) (-leaf.gradient / (leaf.hessian + options.l2()) * options.learningRate()));
        }
        int[] splitBins = splitBin.stream().mapToInt(Integer::intValue).toArray();
        RegressionTree tree = new RegressionTree(feature.stream().mapToInt(Integer::intValue).toArray(),
                floats(threshold), left.stream().mapToInt(Integer::intValue).toArray(),
                right.stream().mapToInt(Integer::intValue).toArray(), floats(value));
        return new Grown(tree, splitBins, binned, width);
    }

    private static int addNode(List<Integer> feature, List<Float> threshold, List<Integer> splitBin, List<Integer> left,
                               List<Integer> right, List<Float> value) {
        feature.add(-1);
        threshold.add(0f);
        splitBin.add(0);
        left.add(-1);
        right.add(-1);
        value.add(0f);
        return feature.size() - 1;
    }

    private static float[] floats(List<Float> list) {
        float[] array = new float[list.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = list.get(i);
        }
        return array;
    }

    /** Per feature and bin: gradient sum, curvature sum, rows; three doubles per bin. */
    private double[] histogram(int[] index, int start, int end, double[] gradient, double[] hessian) {
        double[] histogram = new double[3 * totalBins];
        for (int k = start; k < end; k++) {
            int row = index[k];
            double g = gradient[row];
            double h = hessian[row];
            int base = row * width;
            for (int f = 0; f < width; f++) {
                int at = 3 * (offsets[f] + (binned[base + f] & 0xff));
                histogram[at] += g;
                histogram[at + 1] += h;
                histogram[at + 2] += 1;
            }
        }
        return histogram;
    }

    private void findSplit(Leaf leaf) {
        leaf.splitFeature = -1;
        leaf.gain = 0;
        int minRows = options.minLeafExamples();
        if (leaf.count() < 2 * minRows) {
            return;
        }
        double l2 = options.l2();
        double parentScore = leaf.gradient * leaf.gradient / (leaf.hessian + l2);
        double[] histogram = leaf.histogram;
        for (int f = 0; f < width; f++) {
            double leftGradient = 0;
            double leftHessian = 0;
            double leftRows = 0;
            int bins = binning.bins(f);
            for (int b = 0; b < bins - 1; b++) {
                int at = 3 * (offsets[f] + b);
                leftGradient += histogram[at];
                leftHessian += histogram[at + 1];
                leftRows += histogram[at + 2];
                if (leftRows < minRows) {
                    continue;
                }
                if (leaf.count() - leftRows < minRows) {
                    break;
                }
                double rightGradient = leaf.gradient - leftGradient;
                double rightHessian = leaf.hessian - leftHessian;
                double gain = leftGradient * leftGradient / (leftHessian + l2)
                        + rightGradient * rightGradient / (rightHessian + l2) - parentScore;
                if (gain > leaf.gain + MIN_GAIN) {
                    leaf.gain = gain;
                    leaf.splitFeature = f;
                    leaf.splitBin = b + 1;
                }
            }
        }
    }

    /**
     * Moves the leaf's rows that go left (bin below the split bin) to the front, each side keeping
     * row order (reads of the binned rows then stay close to sequential); returns where the right
     * ones start.
     */
    private int partition(int[] index, Leaf leaf) {
        int f = leaf.splitFeature;
        int bin = leaf.splitBin;
        int[] rightRows = new int[leaf.count()];
        int lefts = leaf.start;
        int rights = 0;
        for (int k = leaf.start; k < leaf.end; k++) {
            int row = index[k];
            if ((binned[row * width + f] & 0xff) < bin) {
                index[lefts++] = row;
            } else {
                rightRows[rights++] = row;
            }
        }
        System.arraycopy(rightRows, 0, index, lefts, rights);
        return lefts;
    }
}
