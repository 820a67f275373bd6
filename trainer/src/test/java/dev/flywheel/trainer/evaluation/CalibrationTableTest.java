package dev.flywheel.trainer.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CalibrationTableTest {
    private static final double[] SCORES = {0.05, 0.15, 0.12, 0.95, 1.0, 0.1};
    private static final boolean[] LABELS = {false, true, false, true, true, false};

    @Test
    void binsHoldTheirScoresWithMeanPredictionAndObservedRate() {
        CalibrationTable table = CalibrationTable.equalWidth(SCORES, LABELS, 10);

        assertThat(table.bins()).hasSize(10);
        CalibrationTable.Bin first = table.bins().get(0);
        assertThat(first.count()).isEqualTo(1);
        assertThat(first.meanPredicted()).isCloseTo(0.05, within(1e-12));
        assertThat(first.observedRate()).isEqualTo(0.0);

        // 0.1 sits on the edge and belongs to the upper bin, beside 0.15 and 0.12
        CalibrationTable.Bin second = table.bins().get(1);
        assertThat(second.lower()).isEqualTo(0.1);
        assertThat(second.count()).isEqualTo(3);
        assertThat(second.meanPredicted()).isCloseTo((0.15 + 0.12 + 0.1) / 3, within(1e-12));
        assertThat(second.observedRate()).isCloseTo(1.0 / 3, within(1e-12));

        // 1.0 belongs to the last bin, not to an eleventh
        CalibrationTable.Bin last = table.bins().get(9);
        assertThat(last.count()).isEqualTo(2);
        assertThat(last.meanPredicted()).isCloseTo(0.975, within(1e-12));
        assertThat(last.observedRate()).isEqualTo(1.0);

        CalibrationTable.Bin empty = table.bins().get(5);
        assertThat(empty.count()).isZero();
        assertThat(empty.meanPredicted()).isNaN();
    }

    @Test
    void expectedCalibrationErrorWeighsEachBinsGapByItsCount() {
        CalibrationTable table = CalibrationTable.equalWidth(SCORES, LABELS, 10);
        double expected = (1 * 0.05 + 3 * Math.abs((0.15 + 0.12 + 0.1) / 3 - 1.0 / 3) + 2 * 0.025) / 6;
        assertThat(table.expectedCalibrationError()).isCloseTo(expected, within(1e-12));
    }

    @Test
    void aScoreOutsideZeroToOneIsRefused() {
        assertThatThrownBy(() -> CalibrationTable.equalWidth(new double[] {1.5}, new boolean[] {true}, 10))
                .hasMessageContaining("not a probability at example 0: 1.5");
    }
}
