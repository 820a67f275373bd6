package dev.flywheel.trainer;

import ai.onnxruntime.OrtException;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ReferenceDistributions;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.dataset.TimeSplit;
import dev.flywheel.trainer.evaluation.HoldoutEvaluation;
import dev.flywheel.trainer.export.OnnxExport;
import dev.flywheel.trainer.export.OnnxScorer;
import dev.flywheel.trainer.export.PropensityDescriptor;
import dev.flywheel.trainer.references.ReferenceBuilder;
import dev.flywheel.trainer.training.PropensityModel;
import dev.flywheel.trainer.training.PropensityTrainer;
import dev.flywheel.trainer.training.TrainingOptions;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One training run, from labelled examples to a registrable model:
 * time split -> fit -> ONNX export -> score the holdout in ONNX Runtime (checked against Tribuo)
 * -> evaluate -> reference distributions -> descriptor.
 */
public final class TrainingRun {
    /** Largest difference between ONNX Runtime's and Tribuo's score that an export may show. */
    public static final double MAX_EXPORT_DEVIATION = 1e-6;
    /**
     * Tribuo reports every epoch through java.util.logging; a run reports its progress itself.
     * Held here because java.util.logging keeps loggers only weakly, and a collected one forgets its level.
     */
    private static final Logger TRIBUO_LOGGER = Logger.getLogger("org.tribuo");

    /**
     * @param modelName       registry model name
     * @param holdoutFraction share of the examples, latest first, held out for evaluation
     * @param createdBy       recorded in the descriptor, e.g. the run's parameters
     */
    public record Settings(String modelName, double holdoutFraction, TrainingOptions options, String createdBy) {
    }

    /**
     * @param maxExportDeviation the largest |ONNX Runtime - Tribuo| score difference over the holdout
     */
    public record Result(TimeSplit split, PropensityModel model, byte[] onnx, double[] holdoutScores,
                         HoldoutEvaluation evaluation, double maxExportDeviation, ModelDescriptor descriptor) {
    }

    private TrainingRun() {
    }

    public static Result run(LabelledExamples examples, Settings settings, Consumer<String> progress) throws OrtException {
        TRIBUO_LOGGER.setLevel(Level.WARNING);
        TimeSplit split = TimeSplit.of(examples, settings.holdoutFraction(), Attribution.DEFAULT_WINDOW.toMillis());
        progress.accept(String.format("split: %,d training and %,d holdout examples (%,d purged at the cut, %,d censored at the end)",
                split.train().size(), split.holdout().size(), split.purgedBeforeCut(), split.censoredAtEnd()));

        PropensityModel model = new PropensityTrainer(settings.options()).train(split.train());
        // The ONNX header's model version stays 1: the registry numbers versions after hashing the bytes.
        byte[] onnx = OnnxExport.toOnnx(model, settings.modelName(), 1);
        progress.accept(String.format("trained on %,d features; ONNX model %,d bytes", model.featureNames().size(), onnx.length));

        double[] tribuoScores = model.score(split.holdout());
        double[] servedScores;
        try (OnnxScorer scorer = new OnnxScorer(onnx, model.featureNames().size())) {
            List<double[]> rows = split.holdout().examples().stream().map(LabelledExample::features).toList();
            servedScores = scorer.column(rows, model.outputColumns().indexOf(PropensityModel.PURCHASE));
        }
        double deviation = 0;
        for (int i = 0; i < servedScores.length; i++) {
            deviation = Math.max(deviation, Math.abs(servedScores[i] - tribuoScores[i]));
        }
        if (!(deviation <= MAX_EXPORT_DEVIATION)) {
            throw new IllegalStateException("the ONNX export scores differ from Tribuo's by up to " + deviation);
        }

        HoldoutEvaluation evaluation = HoldoutEvaluation.of(servedScores, split.holdout().labels(),
                split.holdout().truthOrNull());
        ReferenceDistributions reference = ReferenceBuilder.build(servedScores, split.train(), split.holdout());
        ModelDescriptor descriptor = PropensityDescriptor.describe(settings.modelName(), 0, onnx, model, evaluation,
                split.train().size(), reference, settings.createdBy());
        return new Result(split, model, onnx, servedScores, evaluation, deviation, descriptor);
    }
}
