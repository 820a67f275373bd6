package dev.flywheel.trainer.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.testing.SyntheticExamples;
import org.junit.jupiter.api.Test;

class SingleFeatureBaselineTest {

    @Test
    void picksTheStrongestFeatureAndScoresItOnTheHoldoutInItsTrainingDirection() {
        double[] weights = {0.3, -1.2, 0.6, 0, 0, 0};
        LabelledExamples train = SyntheticExamples.logistic(20_000, weights, -1, 1);
        LabelledExamples holdout = SyntheticExamples.logistic(10_000, weights, -1, 2);
        SingleFeatureBaseline baseline = SingleFeatureBaseline.of(train, holdout);

        // yield_count lowers the odds: used as a score it must be turned round, not reported below 0.5
        assertThat(baseline.chosenOnTraining()).isEqualTo("yield_count");
        assertThat(baseline.bestOnHoldout()).isEqualTo("yield_count");
        double direct = BinaryMetrics.auc(holdout.column(1), holdout.labels());
        assertThat(direct).isLessThan(0.35);
        assertThat(baseline.chosenOnTrainingAuc()).isCloseTo(1 - direct, within(1e-12));
        assertThat(baseline.bestOnHoldoutAuc()).isEqualTo(baseline.chosenOnTrainingAuc());
    }

    @Test
    void theHoldoutPickCanDifferFromTheTrainingPickWhenTheWorldChanges() {
        // column 0 decides in training, column 2 in the holdout
        LabelledExamples train = SyntheticExamples.logistic(10_000, new double[] {1.5, 0, 0.2, 0, 0, 0}, -1, 3);
        LabelledExamples holdout = SyntheticExamples.logistic(10_000, new double[] {0, 0, 1.5, 0, 0, 0}, -1, 4);
        SingleFeatureBaseline baseline = SingleFeatureBaseline.of(train, holdout);
        assertThat(baseline.chosenOnTraining()).isEqualTo("zeta_secs");
        assertThat(baseline.chosenOnTrainingAuc()).isBetween(0.45, 0.55);
        assertThat(baseline.bestOnHoldout()).isEqualTo("xray_ratio");
        assertThat(baseline.bestOnHoldoutAuc()).isGreaterThan(0.75);
    }
}
