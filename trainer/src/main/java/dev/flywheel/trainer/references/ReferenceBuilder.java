package dev.flywheel.trainer.references;

import dev.flywheel.models.FeatureBins;
import dev.flywheel.models.ReferenceDistributions;
import dev.flywheel.trainer.dataset.LabelledExamples;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What drift detection compares live traffic against: the served scores' quantiles on the holdout
 * (the most recent data the model was judged on), each feature's histogram on the training data
 * (what the model learned from), and a few real rows for the registry's validator to score.
 */
public final class ReferenceBuilder {
    /** Score quantiles at 0, 5, ..., 100 percent. */
    public static final int SCORE_QUANTILES = 21;
    public static final int FEATURE_BINS = 10;
    public static final int SAMPLE_ROWS = 8;

    private ReferenceBuilder() {
    }

    public static List<FeatureHistogram> featureHistograms(LabelledExamples train) {
        List<FeatureHistogram> histograms = new ArrayList<>(train.featureCount());
        for (int j = 0; j < train.featureCount(); j++) {
            histograms.add(FeatureHistogram.ofQuantiles(train.featureNames().get(j), train.column(j), FEATURE_BINS));
        }
        return histograms;
    }

    /**
     * @param holdoutScores the served (ONNX Runtime) scores of the holdout rows
     */
    public static ReferenceDistributions build(double[] holdoutScores, LabelledExamples train, LabelledExamples holdout) {
        double[] quantiles = Quantiles.at(holdoutScores, Quantiles.evenLevels(SCORE_QUANTILES));
        Map<String, FeatureBins> bins = new LinkedHashMap<>();
        for (FeatureHistogram histogram : featureHistograms(train)) {
            bins.put(histogram.feature(), new FeatureBins(boxed(histogram.edges()), boxed(histogram.fractions())));
        }
        List<List<Double>> samples = new ArrayList<>();
        int count = Math.min(SAMPLE_ROWS, holdout.size());
        for (int i = 0; i < count; i++) {
            // spread over the holdout, so the rows come from different users and times
            samples.add(boxed(holdout.examples().get((int) ((long) i * holdout.size() / count)).features()));
        }
        return new ReferenceDistributions(boxed(quantiles), bins, samples);
    }

    private static List<Double> boxed(double[] values) {
        return Arrays.stream(values).boxed().toList();
    }
}
