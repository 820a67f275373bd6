package dev.flywheel.trainer.references;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class FeatureHistogramTest {

    @Test
    void decileEdgesOfAUniformSampleSplitItIntoTenths() {
        double[] uniform = new double[1001];
        for (int i = 0; i < uniform.length; i++) {
            uniform[i] = i / 1000.0;
        }
        FeatureHistogram histogram = FeatureHistogram.ofQuantiles("u", uniform, 10);

        assertThat(histogram.edges()).containsExactly(new double[] {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9},
                within(1e-12));
        // 0.000..0.099 below the first edge: 100 values; each edge value opens its bin; 0.9..1.0 is 101 values
        assertThat(histogram.counts()).containsExactly(100, 100, 100, 100, 100, 100, 100, 100, 100, 101);
        assertThat(histogram.fractions()[0]).isCloseTo(100 / 1001.0, within(1e-12));
    }

    @Test
    void repeatedQuantilesOfAMostlyZeroCountCollapseIntoOneEdge() {
        double[] counts = new double[100];
        for (int i = 80; i < 100; i++) {
            counts[i] = i < 90 ? 1 : 3;
        }
        FeatureHistogram histogram = FeatureHistogram.ofQuantiles("c", counts, 10);

        // deciles: 0 (x7, levels 0.1..0.7), then 0.9 at 0.8, 1 at level 0.9... 1 + 0.9*(... ) by interpolation
        assertThat(histogram.edges()).doesNotHaveDuplicates().startsWith(0.0);
        assertThat(histogram.counts()[0]).as("nothing is below 0").isZero();
        assertThat(histogram.total()).isEqualTo(100);
        assertThat(histogram.counts()[FeatureHistogram.binOf(histogram.edges(), 0.0)]).isEqualTo(80);
    }

    @Test
    void aValueOnAnEdgeBelongsToTheBinAboveIt() {
        double[] edges = {1, 2, 3};
        assertThat(FeatureHistogram.binOf(edges, 0.5)).isZero();
        assertThat(FeatureHistogram.binOf(edges, 1)).isEqualTo(1);
        assertThat(FeatureHistogram.binOf(edges, 2.5)).isEqualTo(2);
        assertThat(FeatureHistogram.binOf(edges, 3)).isEqualTo(3);
        assertThat(FeatureHistogram.binOf(edges, 99)).isEqualTo(3);
    }
}
