package dev.flywheel.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.testing.SyntheticExamples;
import dev.flywheel.trainer.training.PropensityModel;
import dev.flywheel.trainer.training.TreePropensityModel;
import dev.flywheel.trainer.trees.BoostedTrees;
import dev.flywheel.trainer.trees.BoostedTreesTrainer;
import dev.flywheel.trainer.trees.BoostingOptions;
import dev.flywheel.trainer.trees.RegressionTree;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tree ensemble as ONNX Runtime runs it, against the Java model it was written from. */
class TreeEnsembleOnnxTest {
    private static final int WIDTH = SyntheticExamples.NAMES.size();

    private static LabelledExamples holdout;
    private static TreePropensityModel model;
    private static byte[] onnx;

    @BeforeAll
    static void trainOnAnInteraction() {
        LabelledExamples train = SyntheticExamples.sameSign(20_000, 1);
        holdout = SyntheticExamples.sameSign(5_000, 2);
        BoostedTrees trees = new BoostedTreesTrainer(BoostingOptions.defaults(3)).train(rows(train), train.labels());
        model = new TreePropensityModel(trees, SyntheticExamples.NAMES);
        onnx = model.toOnnx("test", 1);
    }

    @Test
    void onnxRuntimeScoresEqualTheJavaModelsOnHeldOutRows() throws Exception {
        double[] java = model.score(holdout);
        try (OnnxScorer scorer = new OnnxScorer(onnx, WIDTH)) {
            float[][] served = scorer.probabilities(rows(holdout));
            for (int i = 0; i < java.length; i++) {
                assertThat((double) served[i][1]).as("row %d", i).isCloseTo(java[i], within(1e-6));
                assertThat((double) served[i][0]).as("row %d", i).isCloseTo(1 - java[i], within(1e-6));
            }
        }
        assertThat(Arrays.stream(java).max().orElseThrow() - Arrays.stream(java).min().orElseThrow()).isGreaterThan(0.5);
    }

    @Test
    void theGraphTakesAnyBatchOfWidthColumnsAndGivesTwoProbabilityColumns() throws Exception {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = OrtEnvironment.getEnvironment().createSession(onnx, options)) {
            TensorInfo input = (TensorInfo) session.getInputInfo().get(OnnxExport.INPUT_TENSOR).getInfo();
            TensorInfo output = (TensorInfo) session.getOutputInfo().get(OnnxExport.OUTPUT_TENSOR).getInfo();
            assertThat(input.getShape()).containsExactly(-1, WIDTH);
            assertThat(output.getShape()).containsExactly(-1, 2);
            assertThat(session.getOutputNames()).containsExactly(OnnxExport.OUTPUT_TENSOR);
            assertThat(session.getMetadata().getCustomMetadata())
                    .containsEntry(OnnxExport.FEATURE_NAMES_METADATA, String.join(",", SyntheticExamples.NAMES));
        }
        assertThat(model.outputColumns()).containsExactly(PropensityModel.NO_PURCHASE, PropensityModel.PURCHASE);
    }

    /**
     * Two hand-written trees: ONNX Runtime must send a value equal to a threshold to the right, a
     * value a float below it to the left, add the leaves and the bias, and apply the logistic.
     */
    @Test
    void aHandWrittenEnsembleScoresWhatItsLeavesSay() throws Exception {
        RegressionTree split = new RegressionTree(new int[] {1, -1, -1}, new float[] {0.5f, 0, 0},
                new int[] {1, -1, -1}, new int[] {2, -1, -1}, new float[] {0, -1f, 2f});
        RegressionTree constant = new RegressionTree(new int[] {-1}, new float[] {0}, new int[] {-1}, new int[] {-1},
                new float[] {0.25f});
        BoostedTrees trees = new BoostedTrees(3, -0.5f, List.of(split, constant));
        double[] atThreshold = {9, 0.5, 9};
        double[] below = {9, Math.nextDown(0.5f), 9};
        try (OnnxScorer scorer = new OnnxScorer(TreeEnsembleOnnx.toOnnx(trees, List.of("a", "b", "c"), "hand", 1), 3)) {
            float[][] served = scorer.probabilities(List.of(atThreshold, below));
            assertThat((double) served[0][1]).isCloseTo(1 / (1 + Math.exp(-1.75)), within(1e-6));
            assertThat((double) served[1][1]).isCloseTo(1 / (1 + Math.exp(1.25)), within(1e-6));
        }
        assertThat(trees.margin(atThreshold)).isEqualTo(1.75f);
        assertThat(trees.margin(below)).isEqualTo(-1.25f);
    }

    /**
     * Only column k decides the label and every other column is 0 in training, so no tree can split
     * on another column: the served model must respond to column k and to no other.
     */
    @ParameterizedTest(name = "feature {0}")
    @ValueSource(ints = {0, 2, 5})
    void aModelTrainedOnOnlyFeatureKRespondsOnlyToInputColumnK(int k) throws Exception {
        LabelledExamples single = SyntheticExamples.onlyColumnMatters(4_000, k, false, k);
        TreePropensityModel trained = new TreePropensityModel(new BoostedTreesTrainer(BoostingOptions.defaults(k))
                .train(rows(single), single.labels()), SyntheticExamples.NAMES);
        double[] base = new double[WIDTH];
        base[k] = 5;
        try (OnnxScorer scorer = new OnnxScorer(trained.toOnnx("single", 1), WIDTH)) {
            double baseScore = scorer.column(List.of(base), 1)[0];
            for (int j = 0; j < WIDTH; j++) {
                double[] moved = base.clone();
                moved[j] += 10;
                double movedScore = scorer.column(List.of(moved), 1)[0];
                if (j == k) {
                    assertThat(movedScore).as("moving column %d", j).isGreaterThan(baseScore + 0.3);
                } else {
                    assertThat(movedScore).as("moving column %d", j).isEqualTo(baseScore);
                }
            }
        }
    }

    private static List<double[]> rows(LabelledExamples examples) {
        return examples.examples().stream().map(LabelledExample::features).toList();
    }
}
