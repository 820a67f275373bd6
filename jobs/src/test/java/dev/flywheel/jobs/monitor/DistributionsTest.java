package dev.flywheel.jobs.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.commons.math3.distribution.FDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.special.Gamma;
import org.junit.jupiter.api.Test;

/**
 * The monitor's own distribution functions against Apache Commons Math (a Flink dependency, on the
 * test class path only) and against printed table values.
 */
class DistributionsTest {
    private static final double[] DEGREES = {1, 2, 3, 5, 9, 19, 35, 100, 620, 2000};
    private static final double[] LEVELS = {0.5, 0.9, 0.99, 0.995, 1 - 1.4e-4, 1 - 1e-6};

    @Test
    void chiSquareQuantilesAgreeWithCommonsMath() {
        for (double df : DEGREES) {
            ChiSquaredDistribution reference = new ChiSquaredDistribution(null, df, 1e-14);
            for (double p : LEVELS) {
                double expected = reference.inverseCumulativeProbability(p);
                assertThat(Distributions.chiSquareQuantile(p, df)).as("df %s p %s", df, p)
                        .isCloseTo(expected, within(1e-7 * Math.max(1, expected)));
            }
        }
    }

    @Test
    void fQuantilesAgreeWithCommonsMath() {
        for (double d1 : new double[] {1, 2.5, 9, 19}) {
            for (double d2 : new double[] {3, 31, 279.5, 10_000}) {
                FDistribution reference = new FDistribution(null, d1, d2, 1e-14);
                for (double p : LEVELS) {
                    double expected = reference.inverseCumulativeProbability(p);
                    assertThat(Distributions.fQuantile(p, d1, d2)).as("F(%s, %s) p %s", d1, d2, p)
                            .isCloseTo(expected, within(1e-6 * Math.max(1, expected)));
                }
            }
        }
    }

    @Test
    void cdfsAndLogGammaAgreeWithCommonsMath() {
        for (double x : new double[] {0.1, 0.5, 1, 2.5, 7, 30, 171.5, 1e4}) {
            assertThat(Distributions.logGamma(x)).isCloseTo(Gamma.logGamma(x), within(1e-12 * Math.max(1, Math.abs(Gamma.logGamma(x)))));
        }
        NormalDistribution normal = new NormalDistribution();
        for (double z : new double[] {-6, -3.1, -1, 0, 0.5, 2.326, 4}) {
            assertThat(Distributions.normalCdf(z)).isCloseTo(normal.cumulativeProbability(z), within(2e-7));
        }
        assertThat(Distributions.normalQuantile(0.99)).isCloseTo(2.326348, within(1e-5));
    }

    @Test
    void tableValues() {
        // Abramowitz and Stegun, table 26.8; Fisher and Yates.
        assertThat(Distributions.chiSquareQuantile(0.99, 1)).isCloseTo(6.635, within(1e-3));
        assertThat(Distributions.chiSquareQuantile(0.99, 19)).isCloseTo(36.191, within(1e-3));
        assertThat(Distributions.chiSquareQuantile(0.95, 9)).isCloseTo(16.919, within(1e-3));
        assertThat(Distributions.fQuantile(0.99, 5, 30)).isCloseTo(3.699, within(1e-3));
        assertThat(Distributions.fQuantile(0.95, 1, 10)).isCloseTo(4.965, within(1e-3));
    }
}
