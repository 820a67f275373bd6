package dev.flywheel.trainer.trees;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FeatureBinningTest {

    @Test
    void aFewDistinctValuesGetOneBinEachWithTheValuesAsThresholds() {
        FeatureBinning binning = FeatureBinning.fit(new double[][] {{3, 1, 2, 3, 1, 3}}, 16);
        assertThat(binning.bins(0)).isEqualTo(3);
        assertThat(binning.threshold(0, 1)).isEqualTo(2f);
        assertThat(binning.threshold(0, 2)).isEqualTo(3f);
        assertThat(binning.bin(0, 1)).isZero();
        assertThat(binning.bin(0, 2)).isEqualTo(1);
        assertThat(binning.bin(0, 2.5)).isEqualTo(1);
        assertThat(binning.bin(0, 3)).isEqualTo(2);
        assertThat(binning.bin(0, 1e9)).isEqualTo(2);
        assertThat(binning.bin(0, -1e9)).isZero();
    }

    @Test
    void manyValuesAreCutAtQuantilesAndAHeavyValueKeepsItsOwnBin() {
        SplittableRandom random = new SplittableRandom(1);
        double[] column = new double[10_000];
        for (int i = 0; i < column.length; i++) {
            // half the rows hold the default 0, the rest spread over (0, 1)
            column[i] = i % 2 == 0 ? 0 : random.nextDouble();
        }
        FeatureBinning binning = FeatureBinning.fit(new double[][] {column}, 8);
        assertThat(binning.bins(0)).isBetween(4, 8);
        int[] counts = new int[binning.bins(0)];
        for (double value : column) {
            counts[binning.bin(0, value)]++;
        }
        assertThat(counts[0]).as("the zeros, alone").isEqualTo(5_000);
        for (int b = 1; b < counts.length; b++) {
            assertThat(counts[b]).as("bin %d", b).isBetween(500, 2_000);
        }
    }

    @Test
    void aValueIsInTheBinWhoseThresholdItReachesComparedInFloat() {
        double justBelow = Math.nextDown((double) 0.1f);
        FeatureBinning binning = FeatureBinning.fit(new double[][] {{0.0, 0.1f, 0.2, 0.3}}, 4);
        assertThat(binning.threshold(0, 1)).isEqualTo(0.1f);
        // 0.1f widened to double and a double just below it both round to the float 0.1f: same bin
        assertThat(binning.bin(0, justBelow)).isEqualTo(binning.bin(0, 0.1f)).isEqualTo(1);
    }

    @Test
    void aConstantFeatureHasOneBinAndNoThreshold() {
        FeatureBinning binning = FeatureBinning.fit(new double[][] {{7, 7, 7}}, 8);
        assertThat(binning.bins(0)).isEqualTo(1);
        assertThat(binning.bin(0, 100)).isZero();
        assertThatThrownBy(() -> FeatureBinning.fit(new double[][] {{1}}, 300)).hasMessageContaining("2 to 256");
    }
}
