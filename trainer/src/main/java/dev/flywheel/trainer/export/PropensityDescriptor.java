package dev.flywheel.trainer.export;

import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.OutputSpec;
import dev.flywheel.models.ReferenceDistributions;
import dev.flywheel.registry.api.Sha256;
import dev.flywheel.trainer.evaluation.HoldoutEvaluation;
import dev.flywheel.trainer.evaluation.SingleFeatureBaseline;
import dev.flywheel.trainer.training.PropensityModel;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The registry descriptor of an exported propensity model. Its inputs are the feature-spec names
 * in input-column order (the same list the ONNX metadata carries), so the registry's check "the
 * spec can supply every input, in the declared order" reads the model's real column layout.
 */
public final class PropensityDescriptor {
    public static final String MEANING = "P(purchase by this user within 30 minutes of the event)";

    /** What the score means under a label window, in the words of {@link #MEANING}. */
    public static String meaning(Duration labelWindow) {
        if (labelWindow.equals(Duration.ofMinutes(30))) {
            return MEANING;
        }
        return "P(purchase by this user within " + words(labelWindow) + " of the event)";
    }

    private PropensityDescriptor() {
    }

    /**
     * @param version 0 to let the registry assign one
     */
    public static ModelDescriptor describe(String modelName, int version, byte[] onnx, PropensityModel model,
                                           HoldoutEvaluation evaluation, long trainExamples,
                                           ReferenceDistributions reference, String createdBy) {
        return describe(modelName, version, onnx, model, evaluation, trainExamples, reference, createdBy,
                Duration.ofMinutes(30), null);
    }

    /**
     * @param labelWindow the window the labels looked ahead, which the output's meaning names
     * @param baseline    the best single feature on the same holdout, recorded beside the model's AUC; may be null
     */
    public static ModelDescriptor describe(String modelName, int version, byte[] onnx, PropensityModel model,
                                           HoldoutEvaluation evaluation, long trainExamples,
                                           ReferenceDistributions reference, String createdBy, Duration labelWindow,
                                           SingleFeatureBaseline baseline) {
        OutputSpec output = new OutputSpec(OnnxExport.OUTPUT_TENSOR, model.outputColumns(), PropensityModel.PURCHASE,
                meaning(labelWindow));
        Map<String, Double> metrics = metrics(evaluation, trainExamples);
        if (baseline != null && Double.isFinite(baseline.bestOnHoldoutAuc())) {
            metrics.put("best_single_feature_auc", baseline.bestOnHoldoutAuc());
        }
        return new ModelDescriptor(modelName, version, Sha256.hex(onnx), OnnxExport.INPUT_TENSOR, model.featureNames(),
                output, metrics, reference, createdBy);
    }

    /** Holdout metrics by name; figures that are undefined (NaN) are left out rather than sent as non-JSON. */
    public static Map<String, Double> metrics(HoldoutEvaluation evaluation, long trainExamples) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("auc", evaluation.auc());
        metrics.put("log_loss", evaluation.logLoss());
        metrics.put("brier", evaluation.brier());
        metrics.put("expected_calibration_error", evaluation.calibration().expectedCalibrationError());
        metrics.put("holdout_positive_rate", evaluation.positiveRate());
        metrics.put("holdout_examples", (double) evaluation.examples());
        metrics.put("train_examples", (double) trainExamples);
        metrics.put("best_achievable_auc", evaluation.bestAchievableAuc());
        metrics.values().removeIf(value -> !Double.isFinite(value));
        return metrics;
    }

    /** "10 minutes", "2 hours", "90 seconds". */
    static String words(Duration window) {
        long seconds = window.toSeconds();
        if (seconds % 3600 == 0) {
            return plural(seconds / 3600, "hour");
        }
        if (seconds % 60 == 0) {
            return plural(seconds / 60, "minute");
        }
        return plural(seconds, "second");
    }

    private static String plural(long count, String unit) {
        return count + " " + unit + (count == 1 ? "" : "s");
    }
}
