package dev.flywheel.trainer.trees;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fits {@link BoostedTrees} to a binary label by Newton boosting on the log loss: each tree fits
 * the loss's gradient and curvature at the current scores, leaf value {@code -G / (H + l2)} times
 * the learning rate. Trees grow best leaf first (the split with the largest loss reduction anywhere
 * in the tree), over histograms of binned features ({@link FeatureBinning}); a child's histogram is
 * its parent's minus its sibling's, so only the smaller child is counted.
 *
 * <p>Single-threaded and seeded: the same rows and options give the same trees, bit for bit.
 */
public final class BoostedTreesTrainer {
    private final BoostingOptions options;

    public BoostedTreesTrainer(BoostingOptions options) {
        this.options = options;
    }

    /**
     * @param rows   raw feature vectors, all of one width
     * @param labels the binary label of each row
     */
    public BoostedTrees train(List<double[]> rows, boolean[] labels) {
        int n = rows.size();
        if (n == 0 || labels.length != n) {
            throw new IllegalArgumentException(n + " rows and " + labels.length + " labels");
        }
        int positives = 0;
        for (boolean label : labels) {
            positives += label ? 1 : 0;
        }
        if (positives == 0 || positives == n) {
            throw new IllegalArgumentException("training data needs both labels; it has " + positives
                    + " purchases in " + n + " examples");
        }
        int width = rows.get(0).length;
        double[][] columns = new double[width][n];
        for (int i = 0; i < n; i++) {
            double[] row = rows.get(i);
            if (row.length != width) {
                throw new IllegalArgumentException("row " + i + " has " + row.length + " features, row 0 has " + width);
            }
            for (int f = 0; f < width; f++) {
                columns[f][i] = row[f];
            }
        }
        FeatureBinning binning = FeatureBinning.fit(columns, options.maxBins());
        byte[] binned = new byte[n * width];
        for (int f = 0; f < width; f++) {
            for (int i = 0; i < n; i++) {
                binned[i * width + f] = (byte) binning.bin(f, columns[f][i]);
            }
        }
        columns = null;

        double baseRate = positives / (double) n;
        float bias = (float) Math.log(baseRate / (1 - baseRate));
        float[] margin = new float[n];
        Arrays.fill(margin, bias);
        double[] gradient = new double[n];
        double[] hessian = new double[n];
        SplittableRandom sampler = new SplittableRandom(options.seed());
        TreeGrower grower = new TreeGrower(binning, binned, n, width, options);
        List<RegressionTree> trees = new ArrayList<>(options.trees());
        for (int t = 0; t < options.trees(); t++) {
            for (int i = 0; i < n; i++) {
                double p = BoostedTrees.sigmoid(margin[i]);
                gradient[i] = p - (labels[i] ? 1 : 0);
                hessian[i] = Math.max(p * (1 - p), 1e-12);
            }
            int[] sample = sample(n, sampler);
            TreeGrower.Grown grown = grower.grow(sample, gradient, hessian);
            trees.add(grown.tree());
            for (int i = 0; i < n; i++) {
                margin[i] += grown.valueOfBinnedRow(i);
            }
        }
        return new BoostedTrees(width, bias, trees);
    }

    private int[] sample(int n, SplittableRandom sampler) {
        if (options.rowSample() >= 1) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] chosen = new int[n];
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (sampler.nextDouble() < options.rowSample()) {
                chosen[count++] = i;
            }
        }
        return Arrays.copyOf(chosen, count);
    }
}
