package dev.flywheel.jobs.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.models.ServingVariant;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.trainer.TrainingRun;
import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.dataset.SimulatedWarmup;
import dev.flywheel.trainer.training.ModelKind;
import dev.flywheel.trainer.training.TrainingOptions;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A model trained on feature spec version 1 (36 features) keeps serving when the job computes
 * version 2 (more features appended): it reads its inputs by name, so it scores each version-2
 * vector exactly as it scores that vector's first 36 values.
 */
class SpecVersionServingTest {

    @Test
    void aVersionOneModelScoresVersionTwoVectorsOnItsOwnFeatures() throws Exception {
        FeatureSpec first = FeatureSpec.version(1);
        assertThat(FeatureSpec.current().version()).isGreaterThan(1);
        LabelledExamples warmup = SimulatedWarmup.generate(SimulatorConfig.defaults(21).withUsers(400), 20_000,
                FeatureSettings.defaults());
        LabelledExamples versionOne = new LabelledExamples(first.names(), warmup.examples().stream()
                .map(e -> new LabelledExample(e.eventId(), Arrays.copyOf(e.features(), first.size()), e.purchased(),
                        e.eventTime(), e.truth()))
                .toList());
        TrainingRun.Result trained = TrainingRun.run(versionOne, new TrainingRun.Settings(TestModels.MODEL, 0.2,
                TrainingOptions.defaults(21), "spec v1").withKind(ModelKind.LOGISTIC_REGRESSION), line -> { });
        assertThat(trained.descriptor().inputs()).isEqualTo(first.names());

        List<double[]> current = OfflineFeatureReplay.replay(new ShopSimulator(SimulatorConfig.defaults(6).withUsers(300))
                .take(500).stream().map(SimulatedEvent::event).toList(), FeatureSettings.defaults())
                .stream().map(FeatureVector::values).toList();
        try (LoadedModel model = LoadedModel.load(TestModels.MODEL,
                TestModels.variant(ServingVariant.CHAMPION, 1, 1.0, trained), TestModels.artifact(trained))) {
            for (double[] vector : current) {
                assertThat(vector).hasSize(FeatureSpec.current().size());
                assertThat((double) model.score(vector))
                        .isCloseTo(trained.model().score(Arrays.copyOf(vector, first.size())), within(1e-6));
            }
        }
    }
}
