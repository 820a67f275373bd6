package dev.flywheel.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.testing.SyntheticExamples;
import dev.flywheel.trainer.training.PropensityModel;
import dev.flywheel.trainer.training.PropensityTrainer;
import dev.flywheel.trainer.training.TrainingOptions;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OnnxExportTest {
    private static final int WIDTH = SyntheticExamples.NAMES.size();

    private static LabelledExamples holdout;
    private static PropensityModel model;
    private static byte[] onnx;

    @BeforeAll
    static void trainOnDataWhereEveryFeatureMatters() {
        double[] weights = {1.0, -0.8, 0.6, -0.4, 0.3, 0};
        model = new PropensityTrainer(TrainingOptions.defaults(7))
                .train(SyntheticExamples.logistic(20_000, weights, -1.5, 1));
        holdout = SyntheticExamples.logistic(5_000, weights, -1.5, 2);
        onnx = OnnxExport.toOnnx(model, "test", 1);
    }

    @Test
    void onnxRuntimeScoresEqualTribuosOnHeldOutRows() throws Exception {
        double[] tribuo = model.score(holdout);
        try (OnnxScorer scorer = new OnnxScorer(onnx, WIDTH)) {
            double[] served = scorer.column(rows(holdout), model.outputColumns().indexOf(PropensityModel.PURCHASE));
            for (int i = 0; i < tribuo.length; i++) {
                assertThat(served[i]).as("row %d", i).isCloseTo(tribuo[i], within(1e-6));
            }
            // the rows span a real range of scores, so the agreement says something
            assertThat(java.util.Arrays.stream(tribuo).max().orElseThrow()
                    - java.util.Arrays.stream(tribuo).min().orElseThrow()).isGreaterThan(0.5);
        }
    }

    @Test
    void theGraphNamesItsInputOutputAndFeatureOrder() throws Exception {
        try (OnnxScorer scorer = new OnnxScorer(onnx, WIDTH)) {
            assertThat(scorer.inputNames()).containsExactly(OnnxExport.INPUT_TENSOR);
            assertThat(scorer.outputNames()).containsExactly(OnnxExport.OUTPUT_TENSOR);
            assertThat(scorer.metadata()).containsEntry(OnnxExport.FEATURE_NAMES_METADATA,
                    String.join(",", SyntheticExamples.NAMES));
        }
    }

    @Test
    void swappingTwoInputColumnsGivesTheScoreOfTheSwappedVector() throws Exception {
        double[] row = holdout.examples().get(0).features().clone();
        double[] swapped = row.clone();
        swapped[0] = row[2];
        swapped[2] = row[0];
        int purchase = model.outputColumns().indexOf(PropensityModel.PURCHASE);
        try (OnnxScorer scorer = new OnnxScorer(onnx, WIDTH)) {
            double[] served = scorer.column(List.of(row, swapped), purchase);
            assertThat(served[1]).isCloseTo(model.score(swapped), within(1e-6));
            // "zeta_secs" (thousands of seconds) read as "xray_ratio" and back: a large, visible change
            assertThat(Math.abs(served[1] - served[0])).isGreaterThan(0.1);
        }
    }

    /**
     * Features other than k are 0 throughout training, so SGD never moves their weights from 0: the
     * model has one nonzero weight, on column k, and ONNX Runtime must respond to column k alone.
     */
    @ParameterizedTest(name = "feature {0}")
    @ValueSource(ints = {0, 2, 5})
    void aModelWeighingOnlyFeatureKRespondsOnlyToInputColumnK(int k) throws Exception {
        PropensityModel single = new PropensityTrainer(TrainingOptions.defaults(3))
                .train(SyntheticExamples.onlyColumnMatters(4_000, k, false, k));
        int purchase = single.outputColumns().indexOf(PropensityModel.PURCHASE);
        double[] base = new double[WIDTH];
        base[k] = 10;
        try (OnnxScorer scorer = new OnnxScorer(OnnxExport.toOnnx(single, "single", 1), WIDTH)) {
            double baseScore = scorer.column(List.of(base), purchase)[0];
            for (int j = 0; j < WIDTH; j++) {
                double[] moved = base.clone();
                moved[j] += 20;
                double movedScore = scorer.column(List.of(moved), purchase)[0];
                if (j == k) {
                    assertThat(movedScore).as("moving column %d", j).isGreaterThan(baseScore + 0.3);
                } else {
                    assertThat(movedScore).as("moving column %d", j).isEqualTo(baseScore);
                }
            }
        }
    }

    /**
     * Output column c is the probability of Tribuo's label id c. Tribuo numbers labels by name, not
     * by the order it meets them, so whichever label comes first in the data, the columns are
     * [no_purchase, purchase] and column 1 is P(purchase).
     */
    @ParameterizedTest(name = "first example purchased: {0}")
    @ValueSource(booleans = {true, false})
    void outputColumnsFollowTheReportedLabelOrder(boolean firstPurchased) throws Exception {
        PropensityModel trained = new PropensityTrainer(TrainingOptions.defaults(5))
                .train(SyntheticExamples.onlyColumnMatters(2_000, 1, firstPurchased, 11));
        List<String> columns = trained.outputColumns();
        assertThat(columns).containsExactly(PropensityModel.NO_PURCHASE, PropensityModel.PURCHASE);
        double[] likelyBuyer = new double[WIDTH];
        likelyBuyer[1] = 25;
        try (OnnxScorer scorer = new OnnxScorer(OnnxExport.toOnnx(trained, "labels", 1), WIDTH)) {
            float[] probabilities = scorer.probabilities(List.<double[]>of(likelyBuyer))[0];
            double purchase = probabilities[columns.indexOf(PropensityModel.PURCHASE)];
            assertThat(purchase).isGreaterThan(0.9).isCloseTo(trained.score(likelyBuyer), within(1e-6));
            assertThat(probabilities[columns.indexOf(PropensityModel.NO_PURCHASE)]).isCloseTo((float) (1 - purchase), within(1e-6f));
        }
    }

    private static List<double[]> rows(LabelledExamples examples) {
        return examples.examples().stream().map(LabelledExample::features).toList();
    }
}
