package dev.flywheel.jobs.monitor;

import dev.flywheel.features.FeatureSpec;
import dev.flywheel.models.FeatureBins;
import dev.flywheel.models.ModelDescriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * One version's reference distributions as the monitor uses them: the score bins and one set of
 * bins per input feature, laid out as one row of counters (score first, then the features in the
 * descriptor's input order) so that a window's counts per item group are one {@code int[]}.
 *
 * <p>Sample sizes: the score quantiles come from the holdout ({@code holdout_examples}), the
 * feature bins from the training rows ({@code train_examples}); a descriptor without them counts
 * as exact, which makes the thresholds tighter than they should be. A feature the descriptor has
 * no bins for, or the feature spec cannot name, is not tested.
 */
public final class VersionReference {
    public static final String SCORE = "score";

    private final String sha256;
    private final ReferenceBins score;
    private final String[] features;
    private final int[] specIndex;
    private final ReferenceBins[] featureBins;
    private final int[] offsets;
    private final int width;
    private final int vectorLength;
    private final Double holdoutAuc;
    private final long holdoutPositives;
    private final long holdoutNegatives;

    private VersionReference(ModelDescriptor descriptor, FeatureSpec spec) {
        this.sha256 = descriptor.sha256();
        this.vectorLength = spec.size();
        long holdout = Math.round(descriptor.metrics().getOrDefault("holdout_examples", 0.0));
        long train = Math.round(descriptor.metrics().getOrDefault("train_examples", 0.0));
        List<Double> quantiles = descriptor.reference().scoreQuantiles();
        this.score = quantiles.size() >= 3 ? ReferenceBins.ofScoreQuantiles(quantiles, holdout) : null;
        List<String> names = new ArrayList<>();
        List<Integer> indices = new ArrayList<>();
        List<ReferenceBins> bins = new ArrayList<>();
        for (String input : descriptor.inputs()) {
            FeatureBins featureBins = descriptor.reference().featureBins().get(input);
            if (featureBins != null && spec.has(input)) {
                names.add(input);
                indices.add(spec.indexOf(input));
                bins.add(ReferenceBins.ofFeature(featureBins, train));
            }
        }
        this.features = names.toArray(String[]::new);
        this.specIndex = indices.stream().mapToInt(Integer::intValue).toArray();
        this.featureBins = bins.toArray(ReferenceBins[]::new);
        this.offsets = new int[features.length + 1];
        int at = score == null ? 0 : score.bins();
        for (int f = 0; f < features.length; f++) {
            offsets[f + 1] = at;
            at += featureBins[f].bins();
        }
        this.width = at;
        Double auc = descriptor.metrics().get("auc");
        this.holdoutAuc = auc == null || auc.isNaN() ? null : auc;
        double rate = descriptor.metrics().getOrDefault("holdout_positive_rate", Double.NaN);
        this.holdoutPositives = Double.isNaN(rate) ? 0 : Math.round(holdout * rate);
        this.holdoutNegatives = Double.isNaN(rate) ? 0 : holdout - holdoutPositives;
    }

    /** @throws IllegalArgumentException if the descriptor's reference distributions are not usable */
    public static VersionReference of(ModelDescriptor descriptor) {
        return new VersionReference(descriptor, FeatureSpec.current());
    }

    /** Counters in one row: score bins, then each feature's. */
    public int width() {
        return width;
    }

    public boolean hasScore() {
        return score != null;
    }

    public ReferenceBins score() {
        return score;
    }

    public int featureCount() {
        return features.length;
    }

    public String feature(int f) {
        return features[f];
    }

    public ReferenceBins featureBins(int f) {
        return featureBins[f];
    }

    /** First counter of the score's bins (0) or of feature {@code f}'s ({@code f + 1}). */
    public int offset(int test) {
        return offsets[test];
    }

    public String sha256() {
        return sha256;
    }

    /** The holdout AUC, null when the descriptor has none. */
    public Double holdoutAuc() {
        return holdoutAuc;
    }

    public long holdoutPositives() {
        return holdoutPositives;
    }

    public long holdoutNegatives() {
        return holdoutNegatives;
    }

    /**
     * Adds one decision to a row of counters starting at {@code base}.
     *
     * @param vector the decision's vector in spec order; when it is not as long as the spec's (an
     *               empty one for a decision of another spec version) only the score counts
     */
    public void count(double scoreValue, double[] vector, int[] counters, int base) {
        if (score != null) {
            counters[base + score.binOf(scoreValue)]++;
        }
        if (vector.length != vectorLength) {
            return;
        }
        for (int f = 0; f < features.length; f++) {
            counters[base + offsets[f + 1] + featureBins[f].binOf(vector[specIndex[f]])]++;
        }
    }
}
