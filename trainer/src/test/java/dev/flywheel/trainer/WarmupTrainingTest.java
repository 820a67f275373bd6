package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.models.FeatureBins;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.registry.api.Sha256;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.dataset.SimulatedWarmup;
import dev.flywheel.trainer.evaluation.HoldoutEvaluation;
import dev.flywheel.trainer.export.OnnxExport;
import dev.flywheel.trainer.export.OnnxScorer;
import dev.flywheel.trainer.training.ModelKind;
import dev.flywheel.trainer.training.PropensityModel;
import dev.flywheel.trainer.training.TrainingOptions;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The first model, trained on a simulated warm-up period with the feature layer's own replay. */
class WarmupTrainingTest {
    private static final int EVENTS = 100_000;

    private static LabelledExamples examples;
    private static TrainingRun.Result result;

    @BeforeAll
    static void trainOnTheWarmUp() throws Exception {
        examples = SimulatedWarmup.generate(SimulatorConfig.defaults(42), EVENTS, FeatureSettings.defaults());
        result = TrainingRun.run(examples,
                new TrainingRun.Settings("purchase-propensity", 0.4, TrainingOptions.defaults(42), "test"), line -> { });
    }

    @Test
    void examplesAreTheFeatureLayersVectorsWithTheSimulatorsLabelsAndTruth() {
        List<SimulatedEvent> simulated = new ShopSimulator(SimulatorConfig.defaults(42)).take(2_000);
        List<FeatureVector> vectors = OfflineFeatureReplay.replay(simulated.stream().map(SimulatedEvent::event).toList(),
                FeatureSettings.defaults());

        assertThat(examples.size()).isEqualTo(EVENTS);
        assertThat(examples.featureNames()).isEqualTo(FeatureSpec.current().names());
        for (int i = 0; i < 1_000; i++) {
            LabelledExample example = examples.examples().get(i);
            assertThat(example.eventId()).isEqualTo(vectors.get(i).eventId());
            assertThat(example.features()).as(example.eventId()).containsExactly(vectors.get(i).values());
        }
        // realized labels agree with the exact probabilities on average (the last 30 minutes are censored)
        List<LabelledExample> complete = examples.examples().subList(0, EVENTS / 2);
        double meanTruth = complete.stream().mapToDouble(LabelledExample::truth).average().orElseThrow();
        double positiveRate = complete.stream().filter(LabelledExample::purchased).count() / (double) complete.size();
        assertThat(positiveRate).isCloseTo(meanTruth, within(0.01));
    }

    @Test
    void onnxRuntimeScoresEqualTheJavaModelsOnTheHoldout() throws Exception {
        double[] tribuo = result.model().score(result.split().holdout());
        try (OnnxScorer scorer = new OnnxScorer(result.onnx(), FeatureSpec.current().size())) {
            double[] served = scorer.column(result.split().holdout().examples().stream().map(LabelledExample::features).toList(),
                    result.model().outputColumns().indexOf(PropensityModel.PURCHASE));
            double largest = 0;
            for (int i = 0; i < served.length; i++) {
                largest = Math.max(largest, Math.abs(served[i] - tribuo[i]));
            }
            assertThat(largest).isLessThanOrEqualTo(1e-6);
            assertThat(served).containsExactly(result.holdoutScores());
        }
        assertThat(result.split().holdout().size()).isGreaterThan(10_000);
    }

    @Test
    void theModelRanksPurchasesWellBelowTheCeilingButFarAboveChance() {
        HoldoutEvaluation evaluation = result.evaluation();
        System.out.printf("warm-up model: holdout AUC %.4f, simulator's best achievable AUC on the same %d events %.4f,"
                        + " best single feature %s %.4f%n", evaluation.auc(), evaluation.examples(),
                evaluation.bestAchievableAuc(), result.baseline().bestOnHoldout(), result.baseline().bestOnHoldoutAuc());
        assertThat(evaluation.bestAchievableAuc()).isBetween(0.78, 0.85);
        assertThat(evaluation.auc()).isGreaterThan(0.67).isLessThan(evaluation.bestAchievableAuc());
        assertThat(evaluation.auc()).isGreaterThan(result.baseline().bestOnHoldoutAuc() + 0.05);
        // calibrated on average: the mean score is close to the observed purchase rate
        double meanScore = Arrays.stream(result.holdoutScores()).average().orElseThrow();
        assertThat(meanScore).isCloseTo(evaluation.positiveRate(), within(0.03));
        assertThat(evaluation.calibration().expectedCalibrationError()).isLessThan(0.05);
    }

    /**
     * What spec version 2 and the trees are for: on the same split, the first model (a logistic
     * regression on version 1's 36 features) ranks purchases clearly worse than the trees on all of
     * version 2, and worse than the trees on version 1's features alone.
     */
    @Test
    void theTreesOnVersionTwoBeatTheFirstModelOnTheSameSplit() throws Exception {
        int width = FeatureSpec.version(1).size();
        LabelledExamples firstSpec = new LabelledExamples(FeatureSpec.version(1).names(), examples.examples().stream()
                .map(e -> new LabelledExample(e.eventId(), Arrays.copyOf(e.features(), width), e.purchased(), e.eventTime(),
                        e.truth())).toList());
        TrainingRun.Settings settings = new TrainingRun.Settings("purchase-propensity", 0.4, TrainingOptions.defaults(42), "test");
        double firstModel = TrainingRun.run(firstSpec, settings.withKind(ModelKind.LOGISTIC_REGRESSION), line -> { })
                .evaluation().auc();
        double treesOnVersionOne = TrainingRun.run(firstSpec, settings, line -> { }).evaluation().auc();
        System.out.printf("same split: logistic on spec v1 %.4f, trees on spec v1 %.4f, trees on spec v2 %.4f%n",
                firstModel, treesOnVersionOne, result.evaluation().auc());
        assertThat(result.evaluation().auc()).isGreaterThan(firstModel + 0.04).isGreaterThan(treesOnVersionOne + 0.03);
    }

    @Test
    void theDescriptorDeclaresTheSpecOrderOutputColumnsMetricsAndReferences() throws Exception {
        ModelDescriptor descriptor = result.descriptor();
        assertThat(descriptor.inputTensor()).isEqualTo(OnnxExport.INPUT_TENSOR);
        assertThat(descriptor.inputs()).isEqualTo(FeatureSpec.current().names());
        assertThat(descriptor.output().tensor()).isEqualTo(OnnxExport.OUTPUT_TENSOR);
        assertThat(descriptor.output().columns()).containsExactly(PropensityModel.NO_PURCHASE, PropensityModel.PURCHASE);
        assertThat(descriptor.output().scoreIndex()).isEqualTo(1);
        assertThat(descriptor.sha256()).isEqualTo(Sha256.hex(result.onnx()));
        assertThat(descriptor.metrics()).containsEntry("auc", result.evaluation().auc())
                .containsEntry("best_achievable_auc", result.evaluation().bestAchievableAuc())
                .containsKeys("log_loss", "brier", "expected_calibration_error");
        try (OnnxScorer scorer = new OnnxScorer(result.onnx(), FeatureSpec.current().size())) {
            assertThat(scorer.metadata().get(OnnxExport.FEATURE_NAMES_METADATA)).isEqualTo(String.join(",", descriptor.inputs()));
        }

        List<Double> quantiles = descriptor.reference().scoreQuantiles();
        assertThat(quantiles).hasSize(21).isSorted();
        double[] sorted = result.holdoutScores().clone();
        Arrays.sort(sorted);
        assertThat(quantiles.get(0)).isEqualTo(sorted[0]);
        assertThat(quantiles.get(20)).isEqualTo(sorted[sorted.length - 1]);
        assertThat(descriptor.reference().featureBins().keySet()).containsExactlyInAnyOrderElementsOf(descriptor.inputs());
        for (FeatureBins bins : descriptor.reference().featureBins().values()) {
            assertThat(bins.fractions().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, within(1e-9));
        }
        assertThat(descriptor.reference().sampleRows()).hasSize(8).allSatisfy(row -> assertThat(row).hasSize(descriptor.inputs().size()));
    }
}
