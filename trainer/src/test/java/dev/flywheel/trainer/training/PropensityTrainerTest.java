package dev.flywheel.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.evaluation.HoldoutEvaluation;
import dev.flywheel.trainer.testing.SyntheticExamples;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PropensityTrainerTest {
    private static final double[] WEIGHTS = {1.0, -0.8, 0.6, -0.4, 0.3, 0};

    @Test
    void recoversAlmostAllOfTheRankingAndTheRateOfAKnownLogisticModel() {
        LabelledExamples train = SyntheticExamples.logistic(30_000, WEIGHTS, -1.5, 1);
        LabelledExamples holdout = SyntheticExamples.logistic(10_000, WEIGHTS, -1.5, 2);
        PropensityModel model = new PropensityTrainer(TrainingOptions.defaults(1)).train(train);

        double[] scores = model.score(holdout);
        HoldoutEvaluation evaluation = HoldoutEvaluation.of(scores, holdout.labels(), holdout.truthOrNull());

        assertThat(evaluation.bestAchievableAuc()).isBetween(0.75, 0.85);
        assertThat(evaluation.auc()).isGreaterThan(evaluation.bestAchievableAuc() - 0.01);
        assertThat(Arrays.stream(scores).average().orElseThrow()).isCloseTo(evaluation.positiveRate(), within(0.02));
        assertThat(evaluation.calibration().expectedCalibrationError()).isLessThan(0.03);
    }

    @Test
    void theSameDataAndSeedGiveTheSameModel() {
        LabelledExamples train = SyntheticExamples.logistic(5_000, WEIGHTS, -1.5, 3);
        double[] probe = train.examples().get(17).features();
        double first = new PropensityTrainer(TrainingOptions.defaults(9)).train(train).score(probe);
        double second = new PropensityTrainer(TrainingOptions.defaults(9)).train(train).score(probe);
        assertThat(second).isEqualTo(first);
    }

    @Test
    void standardizationCentresAndScalesEachColumnAndLeavesConstantsFinite() {
        LabelledExamples train = SyntheticExamples.logistic(20_000, WEIGHTS, -1.5, 4);
        Standardization standardization = Standardization.fit(train);
        // the generator's means and standard deviations: 3000 +- 1000 seconds, 120 +- 60 money
        assertThat(standardization.mean()[0]).isCloseTo(3_000f, within(30f));
        assertThat(1 / standardization.scale()[0]).isCloseTo(1_000f, within(20f));
        assertThat(standardization.mean()[3]).isCloseTo(120f, within(2f));

        LabelledExamples constant = SyntheticExamples.onlyColumnMatters(100, 0, false, 1);
        Standardization withConstants = Standardization.fit(constant);
        assertThat(withConstants.scale()[3]).isEqualTo(1f);
        assertThat(withConstants.apply(new double[] {10, 0, 0, 5, 0, 0})[3]).isEqualTo(5.0);
    }

    @Test
    void refusesTrainingDataWithOneLabel() {
        LabelledExamples allNegative = new LabelledExamples(SyntheticExamples.NAMES, SyntheticExamples.logistic(100, WEIGHTS, -50, 5)
                .examples());
        assertThatThrownBy(() -> new PropensityTrainer(TrainingOptions.defaults(1)).train(allNegative))
                .hasMessageContaining("needs both labels; it has 0 purchases in 100 examples");
    }
}
