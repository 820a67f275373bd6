package dev.flywheel.trainer.ranking;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trains a {@link PairwiseRanker} from logged result lists and their clicks with the RankNet loss
 * {@code log(1 + exp(-(s_clicked - s_other)))} over every (clicked, not clicked) pair of one list.
 *
 * <p>Position bias is corrected with inverse propensity weights (Joachims, Swaminathan and Schnabel,
 * 2017): each pair is weighted by 1 / P(the clicked item's position was looked at). A click at rank 8
 * is rarer than at rank 1 for the same item only because fewer shoppers look that far, so without
 * the weight the ranker would learn to keep whatever is on top there. Chosen over a position feature
 * held constant at serving time because the weights leave the served features exactly what the
 * ranker trained on, and the examination probabilities are known (here, from the simulator's click
 * model; in a shop, from a small randomised-swap experiment).
 */
public final class PairwiseRankerTrainer {
    /**
     * @param maxWeight inverse propensity weights are clipped here: a click at a rarely seen rank
     *                  should count more, not dominate
     */
    public record Options(int hidden, int epochs, double learningRate, double l2, double maxWeight, long seed) {
        public Options {
            if (hidden < 1 || epochs < 1 || !(learningRate > 0) || l2 < 0 || !(maxWeight >= 1)) {
                throw new IllegalArgumentException("hidden >= 1, epochs >= 1, learningRate > 0, l2 >= 0, maxWeight >= 1");
            }
        }

        /**
         * Four hidden units and a small step: on the simulated shop, wider layers or larger steps
         * extrapolate badly once the click statistics they are served with grow past what they were
         * trained on, and the next round's lists (and clicks) collapse.
         */
        public static Options defaults() {
            return new Options(4, 6, 0.01, 1e-5, 3, 42);
        }

        public Options withSeed(long newSeed) {
            return new Options(hidden, epochs, learningRate, l2, maxWeight, newSeed);
        }
    }

    private record Pair(float[] better, float[] worse, float weight) {
    }

    private PairwiseRankerTrainer() {
    }

    public static PairwiseRanker train(List<String> featureNames, List<RankingImpression> impressions, Options options) {
        int width = featureNames.size();
        float[] mean = new float[width];
        float[] scale = new float[width];
        standardisation(impressions, width, mean, scale);

        List<Pair> pairs = new ArrayList<>();
        double weightSum = 0;
        for (RankingImpression impression : impressions) {
            for (int i = 0; i < impression.clicked().length; i++) {
                if (!impression.clicked()[i]) {
                    continue;
                }
                float weight = (float) Math.min(options.maxWeight(), 1 / impression.propensities()[i]);
                float[] better = standardised(impression.features()[i], mean, scale);
                for (int j = 0; j < impression.clicked().length; j++) {
                    if (!impression.clicked()[j]) {
                        pairs.add(new Pair(better, standardised(impression.features()[j], mean, scale), weight));
                        weightSum += weight;
                    }
                }
            }
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("no (clicked, not clicked) pair in " + impressions.size()
                    + " impressions: nothing to learn an order from");
        }
        float weightScale = (float) (pairs.size() / weightSum);

        SplittableRandom random = new SplittableRandom(options.seed());
        int hidden = options.hidden();
        float[][] w1 = new float[hidden][width];
        float[] b1 = new float[hidden];
        float[] w2 = new float[hidden];
        for (int h = 0; h < hidden; h++) {
            for (int f = 0; f < width; f++) {
                w1[h][f] = (float) (random.nextGaussian() * Math.sqrt(2.0 / width));
            }
            b1[h] = 0.01f;
            w2[h] = (float) (random.nextGaussian() * Math.sqrt(1.0 / hidden));
        }

        float[] aBetter = new float[hidden];
        float[] aWorse = new float[hidden];
        int[] order = new int[pairs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int epoch = 0; epoch < options.epochs(); epoch++) {
            shuffle(order, random);
            float lr = (float) (options.learningRate() / (1 + epoch));
            float decay = (float) (1 - lr * options.l2());
            for (int index : order) {
                Pair pair = pairs.get(index);
                float sBetter = forward(pair.better(), w1, b1, w2, aBetter);
                float sWorse = forward(pair.worse(), w1, b1, w2, aWorse);
                // d loss / d (sBetter - sWorse), times the pair's weight.
                float g = (float) (-pair.weight() * weightScale / (1 + Math.exp(sBetter - sWorse)));
                for (int h = 0; h < hidden; h++) {
                    float gw2 = g * (aBetter[h] - aWorse[h]);
                    float gBetter = aBetter[h] > 0 ? g * w2[h] : 0;
                    float gWorse = aWorse[h] > 0 ? -g * w2[h] : 0;
                    if (gBetter != 0 || gWorse != 0) {
                        float[] row = w1[h];
                        for (int f = 0; f < width; f++) {
                            row[f] = row[f] * decay - lr * (gBetter * pair.better()[f] + gWorse * pair.worse()[f]);
                        }
                        b1[h] -= lr * (gBetter + gWorse);
                    }
                    w2[h] = w2[h] * decay - lr * gw2;
                }
            }
        }
        return new PairwiseRanker(featureNames, mean, scale, w1, b1, w2, 0f);
    }

    private static float forward(float[] x, float[][] w1, float[] b1, float[] w2, float[] activations) {
        float out = 0;
        for (int h = 0; h < w1.length; h++) {
            float a = b1[h];
            float[] row = w1[h];
            for (int f = 0; f < x.length; f++) {
                a += row[f] * x[f];
            }
            activations[h] = Math.max(0f, a);
            out += w2[h] * activations[h];
        }
        return out;
    }

    private static void standardisation(List<RankingImpression> impressions, int width, float[] mean, float[] scale) {
        double[] sum = new double[width];
        double[] sumSquares = new double[width];
        long rows = 0;
        for (RankingImpression impression : impressions) {
            for (float[] row : impression.features()) {
                if (row.length != width) {
                    throw new IllegalArgumentException("a row has " + row.length + " features, expected " + width);
                }
                for (int f = 0; f < width; f++) {
                    sum[f] += row[f];
                    sumSquares[f] += (double) row[f] * row[f];
                }
                rows++;
            }
        }
        for (int f = 0; f < width; f++) {
            double m = rows == 0 ? 0 : sum[f] / rows;
            double variance = rows == 0 ? 0 : Math.max(0, sumSquares[f] / rows - m * m);
            mean[f] = (float) m;
            // A constant feature carries nothing; scale 0 keeps it from blowing up.
            scale[f] = variance > 1e-12 ? (float) (1 / Math.sqrt(variance)) : 0f;
        }
    }

    private static float[] standardised(float[] row, float[] mean, float[] scale) {
        float[] out = new float[row.length];
        for (int f = 0; f < row.length; f++) {
            out[f] = (row[f] - mean[f]) * scale[f];
        }
        return out;
    }

    private static void shuffle(int[] order, SplittableRandom random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
}
