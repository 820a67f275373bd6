package dev.flywheel.trainer.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BinaryMetricsTest {

    @Test
    void aucOfDistinctScoresCountsOrderedPairs() {
        // positives 0.35, 0.8; negatives 0.1, 0.4: pairs won 1 + 0 + 1 + 1 of 4
        double auc = BinaryMetrics.auc(new double[] {0.1, 0.4, 0.35, 0.8}, new boolean[] {false, false, true, true});
        assertThat(auc).isEqualTo(0.75);
    }

    @Test
    void aucCountsATieBetweenClassesAsHalfAPair() {
        // positives 0.5, 0.9; negatives 0.2, 0.5: pairs 1 + 0.5 + 1 + 1 of 4
        double auc = BinaryMetrics.auc(new double[] {0.2, 0.5, 0.5, 0.9}, new boolean[] {false, true, false, true});
        assertThat(auc).isEqualTo(0.875);
    }

    @Test
    void aucOfAConstantScoreIsOneHalf() {
        double auc = BinaryMetrics.auc(new double[] {0.3, 0.3, 0.3, 0.3, 0.3}, new boolean[] {true, false, false, true, false});
        assertThat(auc).isEqualTo(0.5);
    }

    @Test
    void aucOfReversedScoresIsZeroAndUndefinedForOneClass() {
        assertThat(BinaryMetrics.auc(new double[] {0.9, 0.1}, new boolean[] {false, true})).isEqualTo(0.0);
        assertThat(BinaryMetrics.auc(new double[] {0.9, 0.1}, new boolean[] {true, true})).isNaN();
    }

    @Test
    void logLossIsTheMeanNegativeLogLikelihood() {
        // -(ln 0.9 + ln 0.8) / 2
        double loss = BinaryMetrics.logLoss(new double[] {0.9, 0.2}, new boolean[] {true, false});
        assertThat(loss).isCloseTo(0.1642520335, within(1e-9));
    }

    @ParameterizedTest(name = "p={0} label={1}")
    @CsvSource({"0.0, true", "1.0, false"})
    void logLossClipsCertainMistakesToAFiniteCost(double p, boolean label) {
        double loss = BinaryMetrics.logLoss(new double[] {p}, new boolean[] {label});
        assertThat(loss).isCloseTo(-Math.log(BinaryMetrics.LOG_LOSS_EPSILON), within(1e-6));
        assertThat(loss).isCloseTo(34.538776, within(1e-6));
    }

    @Test
    void brierIsTheMeanSquaredError() {
        // (0.1^2 + 0.2^2) / 2
        assertThat(BinaryMetrics.brier(new double[] {0.9, 0.2}, new boolean[] {true, false})).isCloseTo(0.025, within(1e-12));
    }

    @Test
    void mismatchedOrEmptyInputsAreRefused() {
        assertThatThrownBy(() -> BinaryMetrics.auc(new double[] {0.1}, new boolean[] {true, false}))
                .hasMessageContaining("1 scores but 2 labels");
        assertThatThrownBy(() -> BinaryMetrics.brier(new double[0], new boolean[0])).hasMessageContaining("no examples");
    }
}
