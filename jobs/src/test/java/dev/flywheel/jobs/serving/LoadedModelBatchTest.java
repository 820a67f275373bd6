package dev.flywheel.jobs.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.models.ServingVariant;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.trainer.TrainingRun;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link LoadedModel#scoreBatch} against {@link LoadedModel#score}, one vector at a time, on a
 * trained model and real feature vectors: the batch path gathers rows into one buffer and reads
 * scores back by row, so a wrong offset, column or stale row from a larger earlier batch shows up
 * as a score that differs from the vector's own.
 */
class LoadedModelBatchTest {

    @Test
    void aBatchScoresEachVectorAsScoringItAloneDoes() throws Exception {
        TrainingRun.Result trained = TestModels.trained(11);
        List<double[]> vectors = OfflineFeatureReplay.replay(new ShopSimulator(SimulatorConfig.defaults(5).withUsers(300))
                        .take(2_000).stream().map(SimulatedEvent::event).toList(), FeatureSettings.defaults())
                .stream().map(FeatureVector::values).toList();
        try (LoadedModel model = LoadedModel.load(TestModels.MODEL,
                TestModels.variant(ServingVariant.CHAMPION, 1, 1.0, trained), TestModels.artifact(trained))) {
            float[] alone = new float[vectors.size()];
            for (int i = 0; i < alone.length; i++) {
                alone[i] = model.score(vectors.get(i));
            }
            // Largest first, so the smaller batches run on buffers that still hold other rows.
            int distinct = 0;
            for (int size : new int[] {LoadedModel.MAX_BATCH, 64, 7, 1}) {
                for (int from = 0; from + size <= vectors.size(); from += size) {
                    double[][] batch = vectors.subList(from, from + size).toArray(double[][]::new);
                    float[] scores = new float[size];
                    model.scoreBatch(batch, size, scores);
                    for (int i = 0; i < size; i++) {
                        assertThat(scores[i]).as("batch of %d from %d, row %d", size, from, i)
                                .isEqualTo(alone[from + i]);
                    }
                }
            }
            for (int i = 1; i < alone.length; i++) {
                distinct += alone[i] != alone[i - 1] ? 1 : 0;
            }
            // Equal scores everywhere would let a batch that repeats one row pass.
            assertThat(distinct).isGreaterThan(vectors.size() / 4);
            assertThatThrownBy(() -> model.scoreBatch(new double[0][], 0, new float[0]))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
