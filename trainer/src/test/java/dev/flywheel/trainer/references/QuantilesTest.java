package dev.flywheel.trainer.references;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class QuantilesTest {

    @Test
    void interpolatesBetweenOrderStatisticsLikeNumpy() {
        // numpy.quantile([4, 1, 3, 2], [0, 0.25, 0.5, 0.9, 1]) = [1, 1.75, 2.5, 3.7, 4]
        double[] q = Quantiles.at(new double[] {4, 1, 3, 2}, new double[] {0, 0.25, 0.5, 0.9, 1});
        assertThat(q).containsExactly(new double[] {1, 1.75, 2.5, 3.7, 4}, within(1e-12));
    }

    @Test
    void quantilesOfAnExponentialSampleMatchItsInverseCdf() {
        // a deterministic sample of Exp(1): the inverse CDF at evenly spaced probabilities
        int n = 100_001;
        double[] sample = new double[n];
        for (int i = 0; i < n; i++) {
            sample[(i * 7919) % n] = -Math.log1p(-(i + 0.5) / n);
        }
        double[] levels = Quantiles.evenLevels(21);
        double[] q = Quantiles.at(sample, levels);
        for (int i = 1; i < levels.length - 1; i++) {
            assertThat(q[i]).as("level %s", levels[i]).isCloseTo(-Math.log1p(-levels[i]), within(1e-3));
        }
        assertThat(q[0]).isCloseTo(-Math.log1p(-0.5 / n), within(1e-12));
        assertThat(q[20]).isCloseTo(-Math.log1p(-(n - 0.5) / n), within(1e-9));
    }

    @Test
    void evenLevelsRunFromZeroToOne() {
        assertThat(Quantiles.evenLevels(5)).containsExactly(0, 0.25, 0.5, 0.75, 1);
        assertThatThrownBy(() -> Quantiles.evenLevels(1)).hasMessageContaining("at least the levels 0 and 1");
    }

    @Test
    void refusesAnEmptySampleAndALevelOutsideTheUnitInterval() {
        assertThatThrownBy(() -> Quantiles.at(new double[0], new double[] {0.5})).hasMessageContaining("empty");
        assertThatThrownBy(() -> Quantiles.at(new double[] {1}, new double[] {1.5})).hasMessageContaining("1.5");
    }
}
