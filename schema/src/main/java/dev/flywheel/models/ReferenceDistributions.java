package dev.flywheel.models;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the model saw at training time, for drift detection and for validation.
 *
 * @param scoreQuantiles score quantiles on the holdout, at evenly spaced levels
 *                       (n values = levels 0, 1/(n-1), ..., 1)
 * @param featureBins    per input feature, its histogram on the training data
 * @param sampleRows     a few feature vectors (in input order) the validator scores; the
 *                       registry adds an all-zero row and rows from the bin edges
 */
public record ReferenceDistributions(List<Double> scoreQuantiles, Map<String, FeatureBins> featureBins,
                                     List<List<Double>> sampleRows) {
    public static final ReferenceDistributions EMPTY = new ReferenceDistributions(List.of(), Map.of(), List.of());

    public ReferenceDistributions {
        scoreQuantiles = List.copyOf(Objects.requireNonNullElse(scoreQuantiles, List.of()));
        featureBins = new TreeMap<>(Objects.requireNonNullElse(featureBins, Map.of()));
        featureBins = Map.copyOf(featureBins);
        sampleRows = Objects.requireNonNullElse(sampleRows, List.<List<Double>>of()).stream().map(List::copyOf).toList();
        for (int i = 1; i < scoreQuantiles.size(); i++) {
            if (scoreQuantiles.get(i) < scoreQuantiles.get(i - 1)) {
                throw new IllegalArgumentException("score quantiles must not decrease: " + scoreQuantiles);
            }
        }
    }
}
