package dev.flywheel.trainer.trees;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.evaluation.BinaryMetrics;
import dev.flywheel.trainer.testing.SyntheticExamples;
import dev.flywheel.trainer.training.PropensityTrainer;
import dev.flywheel.trainer.training.TrainingOptions;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BoostedTreesTrainerTest {
    private static LabelledExamples train;
    private static LabelledExamples holdout;
    private static BoostedTrees model;

    @BeforeAll
    static void fitTheSameSignInteraction() {
        train = SyntheticExamples.sameSign(30_000, 1);
        holdout = SyntheticExamples.sameSign(10_000, 2);
        model = new BoostedTreesTrainer(BoostingOptions.defaults(1)).train(rows(train), train.labels());
    }

    @Test
    void ranksAnInteractionNearlyAsWellAsTheTruthWhereALinearModelCannot() {
        double[] scores = holdout.examples().stream().mapToDouble(e -> model.probability(e.features())).toArray();
        double auc = BinaryMetrics.auc(scores, holdout.labels());
        double ceiling = BinaryMetrics.auc(holdout.truthOrNull(), holdout.labels());
        double linear = BinaryMetrics.auc(new PropensityTrainer(TrainingOptions.defaults(1)).train(train).score(holdout),
                holdout.labels());

        assertThat(ceiling).isBetween(0.75, 0.85);
        assertThat(auc).isGreaterThan(ceiling - 0.01);
        // column 2 alone is all a linear model can use
        assertThat(linear).isLessThan(0.65);
        // calibrated on average: the mean score is the base rate
        assertThat(Arrays.stream(scores).average().orElseThrow())
                .isCloseTo(holdout.positives() / (double) holdout.size(), within(0.01));
    }

    @Test
    void theTreesSplitOnTheColumnsThatMatterAtValuesSeenInTraining() {
        int[] splits = model.splitCounts();
        assertThat(splits[0] + splits[1] + splits[2]).isGreaterThan(Arrays.stream(splits).sum() / 2);
        RegressionTree first = model.trees().get(0);
        for (int node = 0; node < first.nodes(); node++) {
            if (!first.isLeaf(node)) {
                float threshold = first.threshold()[node];
                int feature = first.feature()[node];
                assertThat(train.examples()).as("threshold %s of feature %d", threshold, feature)
                        .anyMatch(e -> (float) e.features()[feature] == threshold);
            }
        }
        assertThat(model.trees()).hasSize(BoostingOptions.DEFAULT_TREES)
                .allMatch(tree -> tree.leaves() <= BoostingOptions.DEFAULT_LEAVES);
    }

    @Test
    void everyLeafHoldsAtLeastTheLeastRowsOfItsSample() {
        BoostingOptions options = new BoostingOptions(5, 0.1, 31, 2_000, 1, 64, 1.0, 3);
        BoostedTrees trees = new BoostedTreesTrainer(options).train(rows(train), train.labels());
        for (RegressionTree tree : trees.trees()) {
            int[] rowsPerLeaf = new int[tree.nodes()];
            for (LabelledExample example : train.examples()) {
                int node = 0;
                while (!tree.isLeaf(node)) {
                    node = (float) example.features()[tree.feature()[node]] < tree.threshold()[node]
                            ? tree.left()[node] : tree.right()[node];
                }
                rowsPerLeaf[node]++;
            }
            for (int node = 0; node < tree.nodes(); node++) {
                if (tree.isLeaf(node)) {
                    assertThat(rowsPerLeaf[node]).isGreaterThanOrEqualTo(2_000);
                }
            }
            assertThat(tree.leaves()).isLessThanOrEqualTo(30_000 / 2_000);
        }
    }

    @Test
    void theSameRowsAndSeedGiveTheSameTreesAndAnotherSeedOthers() {
        LabelledExamples small = SyntheticExamples.sameSign(5_000, 4);
        BoostingOptions options = BoostingOptions.defaults(9).withTrees(30);
        BoostedTrees first = new BoostedTreesTrainer(options).train(rows(small), small.labels());
        BoostedTrees second = new BoostedTreesTrainer(options).train(rows(small), small.labels());
        BoostedTrees other = new BoostedTreesTrainer(BoostingOptions.defaults(10).withTrees(30))
                .train(rows(small), small.labels());
        assertThat(second).isEqualTo(first);
        assertThat(other.trees()).isNotEqualTo(first.trees());
    }

    @Test
    void refusesOneLabelAndRowsOfDifferentWidths() {
        LabelledExamples small = SyntheticExamples.sameSign(100, 5);
        assertThatThrownBy(() -> new BoostedTreesTrainer(BoostingOptions.defaults(1)).train(rows(small), new boolean[100]))
                .hasMessageContaining("needs both labels; it has 0 purchases in 100 examples");
        assertThatThrownBy(() -> new BoostedTreesTrainer(BoostingOptions.defaults(1))
                .train(List.of(new double[3], new double[4]), new boolean[] {true, false}))
                .hasMessageContaining("row 1 has 4 features, row 0 has 3");
    }

    static List<double[]> rows(LabelledExamples examples) {
        return examples.examples().stream().map(LabelledExample::features).toList();
    }
}
