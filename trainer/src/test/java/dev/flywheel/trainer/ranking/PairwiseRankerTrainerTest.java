package dev.flywheel.trainer.ranking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PairwiseRankerTrainerTest {
    private static final List<String> NAMES = List.of("relevant_signal", "shown_on_top", "noise");

    /**
     * Lists of 10 where the true relevance is a bump in feature 0, and the click model has strong
     * position bias; feature 1 marks the top three positions, which a click-counting learner would
     * mistake for relevance.
     */
    private static List<RankingImpression> impressions(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<RankingImpression> impressions = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            float[][] rows = new float[10][];
            boolean[] clicked = new boolean[10];
            double[] propensities = new double[10];
            for (int r = 0; r < 10; r++) {
                float x = (float) random.nextDouble(-2, 2);
                rows[r] = new float[] {x, r < 3 ? 1f : 0f, (float) random.nextGaussian()};
                propensities[r] = 1.0 / (r + 1);
                boolean examined = random.nextDouble() < propensities[r];
                clicked[r] = examined && random.nextDouble() < relevance(x);
            }
            impressions.add(new RankingImpression(rows, clicked, propensities));
        }
        return impressions;
    }

    private static double relevance(float x) {
        return Math.exp(-2 * (x - 0.5) * (x - 0.5)) * 0.9;
    }

    @Test
    void learnsTheTrueOrderFromPositionBiasedClicks() {
        PairwiseRanker ranker = PairwiseRankerTrainer.train(NAMES, impressions(4_000, 1),
                PairwiseRankerTrainer.Options.defaults());
        // Pairwise accuracy against the true relevance on fresh rows, position marker held equal.
        SplittableRandom random = new SplittableRandom(2);
        int right = 0;
        int pairs = 0;
        for (int i = 0; i < 5_000; i++) {
            float a = (float) random.nextDouble(-2, 2);
            float b = (float) random.nextDouble(-2, 2);
            if (Math.abs(relevance(a) - relevance(b)) < 0.1) {
                continue;
            }
            boolean truth = relevance(a) > relevance(b);
            boolean said = ranker.score(new float[] {a, 0, 0}) > ranker.score(new float[] {b, 0, 0});
            right += truth == said ? 1 : 0;
            pairs++;
        }
        assertThat((double) right / pairs).isGreaterThan(0.9);
    }

    @Test
    void onnxRuntimeScoresWhatJavaScores() throws Exception {
        PairwiseRanker ranker = PairwiseRankerTrainer.train(NAMES, impressions(500, 3),
                PairwiseRankerTrainer.Options.defaults());
        byte[] onnx = ranker.toOnnx("search-ranker", 7);
        float[][] rows = impressions(20, 4).get(0).features();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, rows);
             OrtSession.Result result = session.run(Map.of(PairwiseRanker.INPUT_TENSOR, input))) {
            float[][] scores = (float[][]) result.get(PairwiseRanker.OUTPUT_TENSOR).get().getValue();
            assertThat(session.getMetadata().getCustomMetadata())
                    .containsEntry(PairwiseRanker.FEATURE_NAMES_METADATA, String.join(",", NAMES));
            assertThat(session.getMetadata().getVersion()).isEqualTo(7);
            float[][] relevance = (float[][]) result.get(PairwiseRanker.RELEVANCE_TENSOR).get().getValue();
            // The first output is what the search service ranks by: it must stay the raw score.
            assertThat(session.getOutputNames().iterator().next()).isEqualTo(PairwiseRanker.OUTPUT_TENSOR);
            for (int i = 0; i < rows.length; i++) {
                assertThat(scores[i][0]).isCloseTo(ranker.score(rows[i]), within(1e-4f));
                assertThat(relevance[i][0]).isCloseTo((float) (1 / (1 + Math.exp(-scores[i][0]))), within(1e-6f));
            }
        }
        var descriptor = ranker.descriptor("search-ranker", onnx, Map.of("ndcg_at_10", 0.7), "test");
        assertThat(descriptor.inputs()).isEqualTo(NAMES);
        assertThat(descriptor.output().tensor()).isEqualTo(PairwiseRanker.RELEVANCE_TENSOR);
        assertThat(descriptor.sha256()).isEqualTo(dev.flywheel.registry.api.Sha256.hex(onnx));
    }

    @Test
    void listsWithoutAClickTeachNothing() {
        RankingImpression none = new RankingImpression(new float[][] {{1, 0, 0}, {0, 0, 0}},
                new boolean[] {false, false}, new double[] {1, 0.5});
        assertThatThrownBy(() -> PairwiseRankerTrainer.train(NAMES, List.of(none), PairwiseRankerTrainer.Options.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no (clicked, not clicked) pair");
        assertThatThrownBy(() -> new RankingImpression(new float[][] {{1, 0, 0}}, new boolean[] {true}, new double[] {0}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
