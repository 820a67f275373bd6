package dev.flywheel.jobs.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.models.FeatureBins;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** PSI, bins and thresholds on small cases worked out by hand. */
class DriftTestTest {

    @Test
    void psiIsTheSymmetrisedDivergenceOfLiveAgainstReferenceShares() {
        ReferenceBins reference = new ReferenceBins(new double[] {1, 2, 3}, new double[] {0.25, 0.25, 0.25, 0.25}, 0);
        long[][][] counts = {{{100, 200, 300, 400}}};
        DriftStatistic drift = DriftTest.test(reference, counts, 0.01, 1);

        double[] live = {0.1, 0.2, 0.3, 0.4};
        double expected = 0;
        for (double a : live) {
            expected += (a - 0.25) * Math.log(a / 0.25);
        }
        assertThat(drift.psi()).isCloseTo(expected, within(1e-12));
        assertThat(drift.bins()).isEqualTo(4);
        // One group: no design effect, the chi-square threshold with 3 degrees of freedom over n.
        assertThat(drift.designEffect()).isEqualTo(1);
        assertThat(drift.threshold()).isCloseTo(Distributions.chiSquareQuantile(0.99, 3) / 1000, within(1e-12));
        assertThat(drift.drifted()).isTrue();
    }

    @Test
    void theReferenceSampleSizeWidensTheThreshold() {
        long[][][] counts = {{{260, 240, 250, 250}}};
        double exact = DriftTest.test(new ReferenceBins(new double[] {1, 2, 3}, new double[] {.25, .25, .25, .25}, 0),
                counts, 0.01, 1).threshold();
        double estimated = DriftTest.test(new ReferenceBins(new double[] {1, 2, 3}, new double[] {.25, .25, .25, .25}, 1000),
                counts, 0.01, 1).threshold();
        assertThat(estimated).isCloseTo(exact * 2, within(1e-12));
    }

    @Test
    void binsExpectingTooFewValuesAreMergedWithTheirNeighbours() {
        double[] fractions = {0.001, 0.004, 0.3, 0.3, 0.39, 0.004, 0.001};
        int[] merged = new int[fractions.length];
        // n = 200: 0.2, 0.8 expected in the first two bins, so they join the third.
        assertThat(DriftTest.mergeSmallBins(fractions, 200, merged)).isEqualTo(3);
        assertThat(merged).containsExactly(0, 0, 0, 1, 2, 2, 2);
        assertThat(DriftTest.mergeSmallBins(fractions, 1_000_000, merged)).isEqualTo(7);
        assertThat(DriftTest.mergeSmallBins(fractions, 2, merged)).isEqualTo(1);
    }

    @Test
    void tooFewValuesAreNotTested() {
        ReferenceBins reference = new ReferenceBins(new double[] {1}, new double[] {0.5, 0.5}, 0);
        DriftStatistic drift = DriftTest.test(reference, new long[][][] {{{10, 40}}}, 0.01, 100);
        assertThat(drift.tested()).isFalse();
        assertThat(drift.drifted()).isFalse();
        assertThat(drift.count()).isEqualTo(50);
    }

    @Test
    void scoreQuantilesBecomeBinsOfEqualShareAndTiedQuantilesOneBin() {
        ReferenceBins even = ReferenceBins.ofScoreQuantiles(List.of(0.0, 0.1, 0.2, 0.4, 0.9), 100);
        assertThat(even.edges()).containsExactly(0.1, 0.2, 0.4);
        assertThat(even.fractions()).containsExactly(0.25, 0.25, 0.25, 0.25);
        // A point mass at 0.1 holding half the scores: three quantiles equal 0.1.
        ReferenceBins tied = ReferenceBins.ofScoreQuantiles(List.of(0.05, 0.1, 0.1, 0.1, 0.3), 100);
        assertThat(tied.edges()).containsExactly(0.1);
        assertThat(tied.fractions()).containsExactly(0.25, 0.75);
        assertThat(tied.binOf(0.1)).isEqualTo(1); // an edge value belongs to the bin above, as in the trainer
        assertThat(tied.binOf(0.0999)).isEqualTo(0);
        ReferenceBins feature = ReferenceBins.ofFeature(new FeatureBins(List.of(0.0, 5.0), List.of(0.2, 0.5, 0.3)), 10);
        assertThat(feature.binOf(-1)).isZero();
        assertThat(feature.binOf(0)).isEqualTo(1);
        assertThat(feature.binOf(5)).isEqualTo(2);
    }

    @Test
    void clusteredValuesRaiseTheDesignEffectByTheClusterSize() {
        // 2,000 clusters of 5 identical values each, drawn from the reference: the variance of a
        // share is 5 times that of independent draws, and the test must see it.
        ReferenceBins reference = new ReferenceBins(new double[] {1, 2, 3, 4}, new double[] {.2, .2, .2, .2, .2}, 0);
        SplittableRandom random = new SplittableRandom(7);
        long[][][] counts = new long[Groups.USER_GROUPS][1][5];
        for (int cluster = 0; cluster < 2_000; cluster++) {
            counts[random.nextInt(Groups.USER_GROUPS)][0][random.nextInt(5)] += 5;
        }
        DriftStatistic drift = DriftTest.test(reference, counts, 0.01, 1);
        assertThat(drift.designEffect()).isBetween(3.5, 7.0);
    }

    @Test
    void valuesAlikeThroughTheirItemAreSeenByTheItemGroups() {
        // 400 items with 25 events each from random users; an item's events share a bin (its
        // popularity, its price). Grouping by user alone sees independent values.
        ReferenceBins reference = new ReferenceBins(new double[] {1, 2, 3, 4}, new double[] {.2, .2, .2, .2, .2}, 0);
        SplittableRandom random = new SplittableRandom(9);
        long[][][] twoWay = new long[Groups.USER_GROUPS][Groups.ITEM_GROUPS][5];
        long[][][] userOnly = new long[Groups.USER_GROUPS][1][5];
        for (int item = 0; item < 400; item++) {
            int bin = random.nextInt(5);
            int itemGroup = Groups.itemGroup("item-" + item, "nobody");
            for (int e = 0; e < 25; e++) {
                int userGroup = random.nextInt(Groups.USER_GROUPS);
                twoWay[userGroup][itemGroup][bin]++;
                userOnly[userGroup][0][bin]++;
            }
        }
        assertThat(DriftTest.test(reference, userOnly, 0.01, 1).designEffect()).isLessThan(2);
        assertThat(DriftTest.test(reference, twoWay, 0.01, 1).designEffect()).isGreaterThan(10);
    }
}
