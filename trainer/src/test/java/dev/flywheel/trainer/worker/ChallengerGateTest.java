package dev.flywheel.trainer.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.trainer.evaluation.HoldoutEvaluation;
import org.junit.jupiter.api.Test;

class ChallengerGateTest {
    private static final ChallengerGate GATE = new ChallengerGate(0.01, 1_000, 50);

    @Test
    void aCandidateWithinTheMarginOfTheChampionPasses() {
        ChallengerGate.Verdict verdict = GATE.judge(evaluation(2_000, 300, 0.700), evaluation(2_000, 300, 0.709));

        assertThat(verdict.passed()).isTrue();
        assertThat(verdict.reason()).isEqualTo("passed");
        assertThat(verdict.figures()).isEqualTo(
                "candidate AUC 0.7000, champion AUC 0.7090, margin 0.0100, holdout 2,000 rows (300 purchases)");
    }

    @Test
    void aCandidateBelowTheChampionMinusTheMarginIsRefused() {
        ChallengerGate.Verdict verdict = GATE.judge(evaluation(2_000, 300, 0.700), evaluation(2_000, 300, 0.711));

        assertThat(verdict.passed()).isFalse();
        assertThat(verdict.reason()).isEqualTo("candidate AUC 0.7000 is below the champion's 0.7110 minus the margin 0.0100");
    }

    @Test
    void withoutAChampionOnlyTheHoldoutSizeCounts() {
        ChallengerGate.Verdict verdict = GATE.judge(evaluation(1_000, 50, 0.52), null);

        assertThat(verdict.passed()).isTrue();
        assertThat(verdict.championAuc()).isNaN();
        assertThat(verdict.figures()).contains("champion AUC none");
    }

    @Test
    void aSmallHoldoutIsRefusedWhateverTheAuc() {
        assertThat(GATE.judge(evaluation(999, 300, 0.99), null).reason())
                .isEqualTo("the holdout has 999 rows, the gate needs 1,000");
        assertThat(GATE.judge(evaluation(5_000, 49, 0.99), evaluation(5_000, 49, 0.5)).reason())
                .isEqualTo("the holdout has 49 purchases and 4,951 non-purchases, the gate needs 50 of each");
        assertThat(GATE.judge(evaluation(5_000, 4_960, 0.99), null).reason())
                .isEqualTo("the holdout has 4,960 purchases and 40 non-purchases, the gate needs 50 of each");
    }

    @Test
    void aCandidateWhoseAucIsUndefinedIsRefused() {
        assertThat(GATE.judge(evaluation(2_000, 300, Double.NaN), evaluation(2_000, 300, 0.6)).passed()).isFalse();
    }

    @Test
    void settingsOutsideTheirRangeAreRefused() {
        assertThatThrownBy(() -> new ChallengerGate(-0.1, 1, 1)).hasMessageContaining("AUC margin");
        assertThatThrownBy(() -> new ChallengerGate(0.01, 0, 1)).hasMessageContaining("minimum holdout");
        assertThatThrownBy(() -> new ChallengerGate(0.01, 1, 0)).hasMessageContaining("minimum per class");
    }

    private static HoldoutEvaluation evaluation(long examples, long positives, double auc) {
        return new HoldoutEvaluation(examples, positives, auc, 0.4, 0.15, null, Double.NaN);
    }
}
