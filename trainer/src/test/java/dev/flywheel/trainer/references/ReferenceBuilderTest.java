package dev.flywheel.trainer.references;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.models.FeatureBins;
import dev.flywheel.models.ReferenceDistributions;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.testing.SyntheticExamples;
import org.junit.jupiter.api.Test;

class ReferenceBuilderTest {

    @Test
    void scoreQuantilesOfUniformScoresAreTheirLevelsAndFeatureBinsFollowTheTrainingData() {
        // scores 0, 0.0001, ..., 1: evenly spaced, so the quantile at level q is q
        double[] scores = new double[10_001];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = i / 10_000.0;
        }
        LabelledExamples train = SyntheticExamples.logistic(20_000, new double[6], 0, 1);
        LabelledExamples holdout = SyntheticExamples.logistic(1_000, new double[6], 0, 2);

        ReferenceDistributions reference = ReferenceBuilder.build(scores, train, holdout);

        assertThat(reference.scoreQuantiles()).hasSize(21);
        for (int i = 0; i <= 20; i++) {
            assertThat(reference.scoreQuantiles().get(i)).isCloseTo(i * 0.05, within(1e-12));
        }
        // zeta_secs is normal(3000, 1000): the median edge sits near 3000, the 90% edge near 3000 + 1.2816 sd,
        // and each decile bin holds a tenth
        FeatureBins seconds = reference.featureBins().get("zeta_secs");
        assertThat(seconds.edges()).hasSize(9);
        assertThat(seconds.edges().get(4)).isCloseTo(3_000, within(30.0));
        assertThat(seconds.edges().get(8)).isCloseTo(3_000 + 1.2816 * 1_000, within(40.0));
        assertThat(seconds.fractions()).allSatisfy(f -> assertThat(f).isCloseTo(0.1, within(1e-3)));
        assertThat(reference.featureBins().values()).allSatisfy(bins -> assertThat(bins.edges()).hasSize(9));
        assertThat(reference.featureBins().keySet()).containsExactlyInAnyOrderElementsOf(SyntheticExamples.NAMES);
        assertThat(reference.sampleRows()).hasSize(ReferenceBuilder.SAMPLE_ROWS);
        assertThat(reference.sampleRows().get(1).get(0)).isEqualTo(holdout.examples().get(125).features()[0]);
    }
}
