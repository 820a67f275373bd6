package dev.flywheel.trainer;

import ai.onnxruntime.OrtException;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ReferenceDistributions;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.dataset.SplitOptions;
import dev.flywheel.trainer.dataset.TimeSplit;
import dev.flywheel.trainer.evaluation.HoldoutEvaluation;
import dev.flywheel.trainer.evaluation.SingleFeatureBaseline;
import dev.flywheel.trainer.export.OnnxScorer;
import dev.flywheel.trainer.export.PropensityDescriptor;
import dev.flywheel.trainer.references.ReferenceBuilder;
import dev.flywheel.trainer.training.ModelKind;
import dev.flywheel.trainer.training.PropensityModel;
import dev.flywheel.trainer.training.PropensityTrainer;
import dev.flywheel.trainer.training.TrainingOptions;
import dev.flywheel.trainer.training.TreePropensityModel;
import dev.flywheel.trainer.trees.BoostedTreesTrainer;
import dev.flywheel.trainer.trees.BoostingOptions;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One training run, from labelled examples to a registrable model:
 * time split -> fit -> ONNX export -> score the holdout in ONNX Runtime (checked against the Java
 * model) -> evaluate, beside the best single feature -> reference distributions -> descriptor.
 */
public final class TrainingRun {
    /** Largest difference between ONNX Runtime's and the Java model's score that an export may show. */
    public static final double MAX_EXPORT_DEVIATION = 1e-6;
    /**
     * Tribuo reports every epoch through java.util.logging; a run reports its progress itself.
     * Held here because java.util.logging keeps loggers only weakly, and a collected one forgets its level.
     */
    private static final Logger TRIBUO_LOGGER = Logger.getLogger("org.tribuo");

    /**
     * @param modelName       registry model name
     * @param holdoutFraction share of the examples, latest first, held out for evaluation
     * @param options         the logistic regression's options (and the seed of every learner)
     * @param createdBy       recorded in the descriptor, e.g. the run's parameters
     * @param kind            which learner fits the model
     * @param boosting        the boosted trees' options
     * @param split           label window, purge and least sizes; its holdout fraction is {@code holdoutFraction}
     */
    public record Settings(String modelName, double holdoutFraction, TrainingOptions options, String createdBy,
                           ModelKind kind, BoostingOptions boosting, SplitOptions split) {

        public Settings {
            if (split.holdoutFraction() != holdoutFraction) {
                throw new IllegalArgumentException("two holdout fractions: " + holdoutFraction + " and " + split.holdoutFraction());
            }
        }

        /** Boosted trees, the platform's 30-minute label window and a purge as long. */
        public Settings(String modelName, double holdoutFraction, TrainingOptions options, String createdBy) {
            this(modelName, holdoutFraction, options, createdBy, ModelKind.BOOSTED_TREES,
                    BoostingOptions.defaults(options.seed()), SplitOptions.of(holdoutFraction, Attribution.DEFAULT_WINDOW));
        }

        public Settings withKind(ModelKind newKind) {
            return new Settings(modelName, holdoutFraction, options, createdBy, newKind, boosting, split);
        }

        public Settings withBoosting(BoostingOptions newBoosting) {
            return new Settings(modelName, holdoutFraction, options, createdBy, kind, newBoosting, split);
        }

        public Settings withSplit(SplitOptions newSplit) {
            return new Settings(modelName, newSplit.holdoutFraction(), options, createdBy, kind, boosting, newSplit);
        }
    }

    /**
     * @param maxExportDeviation the largest |ONNX Runtime - Java model| score difference over the holdout
     * @param baseline           the best single feature on the same split
     */
    public record Result(TimeSplit split, PropensityModel model, byte[] onnx, double[] holdoutScores,
                         HoldoutEvaluation evaluation, double maxExportDeviation, ModelDescriptor descriptor,
                         SingleFeatureBaseline baseline, Duration labelWindow, Duration purge) {
    }

    private TrainingRun() {
    }

    public static Result run(LabelledExamples examples, Settings settings, Consumer<String> progress) throws OrtException {
        TRIBUO_LOGGER.setLevel(Level.WARNING);
        SplitOptions splitOptions = settings.split();
        TimeSplit split = TimeSplit.of(examples, splitOptions);
        progress.accept(String.format("split: %,d training and %,d holdout examples (%,d purged at the cut, %,d censored"
                        + " at the end; label window %s, purge %s)", split.train().size(), split.holdout().size(),
                split.purgedBeforeCut(), split.censoredAtEnd(), SplitOptions.format(splitOptions.labelWindow()),
                SplitOptions.format(splitOptions.purge())));

        long fitStarted = System.nanoTime();
        PropensityModel model = fit(split.train(), settings);
        // The ONNX header's model version stays 1: the registry numbers versions after hashing the bytes.
        byte[] onnx = model.toOnnx(settings.modelName(), 1);
        progress.accept(String.format("trained %s on %,d features in %.1f s; ONNX model %,d bytes", describe(model, settings),
                model.featureNames().size(), (System.nanoTime() - fitStarted) / 1e9, onnx.length));

        double[] javaScores = model.score(split.holdout());
        double[] servedScores;
        try (OnnxScorer scorer = new OnnxScorer(onnx, model.featureNames().size())) {
            List<double[]> rows = split.holdout().examples().stream().map(LabelledExample::features).toList();
            servedScores = scorer.column(rows, model.outputColumns().indexOf(PropensityModel.PURCHASE));
        }
        double deviation = 0;
        for (int i = 0; i < servedScores.length; i++) {
            deviation = Math.max(deviation, Math.abs(servedScores[i] - javaScores[i]));
        }
        if (!(deviation <= MAX_EXPORT_DEVIATION)) {
            throw new IllegalStateException("the ONNX export scores differ from the Java model's by up to " + deviation);
        }

        HoldoutEvaluation evaluation = HoldoutEvaluation.of(servedScores, split.holdout().labels(),
                split.holdout().truthOrNull());
        SingleFeatureBaseline baseline = SingleFeatureBaseline.of(split.train(), split.holdout());
        ReferenceDistributions reference = ReferenceBuilder.build(servedScores, split.train(), split.holdout());
        ModelDescriptor descriptor = PropensityDescriptor.describe(settings.modelName(), 0, onnx, model, evaluation,
                split.train().size(), reference, settings.createdBy(), splitOptions.labelWindow(), baseline);
        return new Result(split, model, onnx, servedScores, evaluation, deviation, descriptor, baseline,
                splitOptions.labelWindow(), splitOptions.purge());
    }

    private static PropensityModel fit(LabelledExamples train, Settings settings) {
        if (settings.kind() == ModelKind.LOGISTIC_REGRESSION) {
            return new PropensityTrainer(settings.options()).train(train);
        }
        List<double[]> rows = train.examples().stream().map(LabelledExample::features).toList();
        return new TreePropensityModel(new BoostedTreesTrainer(settings.boosting()).train(rows, train.labels()),
                train.featureNames());
    }

    private static String describe(PropensityModel model, Settings settings) {
        if (model instanceof TreePropensityModel) {
            BoostingOptions boosting = settings.boosting();
            return String.format("boosted trees (%d trees of up to %d leaves, learning rate %s)", boosting.trees(),
                    boosting.maxLeaves(), boosting.learningRate());
        }
        return "a logistic regression";
    }
}
