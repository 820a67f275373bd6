package dev.flywheel.trainer.export;

import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.OutputSpec;
import dev.flywheel.models.ReferenceDistributions;
import dev.flywheel.registry.api.Sha256;
import dev.flywheel.trainer.evaluation.HoldoutEvaluation;
import dev.flywheel.trainer.training.PropensityModel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The registry descriptor of an exported propensity model. Its inputs are the feature-spec names
 * in input-column order (the same list the ONNX metadata carries), so the registry's check "the
 * spec can supply every input, in the declared order" reads the model's real column layout.
 */
public final class PropensityDescriptor {
    public static final String MEANING = "P(purchase by this user within 30 minutes of the event)";

    private PropensityDescriptor() {
    }

    /**
     * @param version 0 to let the registry assign one
     */
    public static ModelDescriptor describe(String modelName, int version, byte[] onnx, PropensityModel model,
                                           HoldoutEvaluation evaluation, long trainExamples,
                                           ReferenceDistributions reference, String createdBy) {
        OutputSpec output = new OutputSpec(OnnxExport.OUTPUT_TENSOR, model.outputColumns(), PropensityModel.PURCHASE,
                MEANING);
        return new ModelDescriptor(modelName, version, Sha256.hex(onnx), OnnxExport.INPUT_TENSOR, model.featureNames(),
                output, metrics(evaluation, trainExamples), reference, createdBy);
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
}
