package dev.flywheel.registry.release;

import static dev.flywheel.registry.release.Reports.comparing;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.health.ModelHealthReport.Verdict;
import dev.flywheel.health.ReleaseDecision.Action;
import dev.flywheel.models.OutputSpec;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.models.ServingVariant;
import dev.flywheel.registry.api.AliasUpdate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReleaseControllerTest {
    private static final String MODEL = "purchase-propensity";
    private static final ReleasePolicy POLICY = ReleasePolicy.defaults();
    private static final ServingConfig V1_WITH_V2 = serving(variant("champion", 1, 0.8), variant("challenger", 2, 0.2),
            variant("shadow", 3, 0.5));

    @Test
    void verdictsMoveTheCanaryTheWayTheySay() {
        assertThat(ReleaseController.decide(comparing(MODEL, 1, 2, Verdict.CHALLENGER_WORSE, 800, 0.02, 0.005),
                V1_WITH_V2, POLICY)).hasValueSatisfying(move -> assertThat(move.action()).isEqualTo(Action.ROLL_BACK));
        assertThat(ReleaseController.decide(comparing(MODEL, 1, 2, Verdict.CHALLENGER_BETTER, 800, -0.02, 0.005),
                V1_WITH_V2, POLICY)).hasValueSatisfying(move -> assertThat(move.action()).isEqualTo(Action.PROMOTE));
    }

    @Test
    void withoutAVerdictOnlyAChallengerShownNoWorseThanTheMarginIsPromoted() {
        // Upper bound -0.0005 + 2.326 x 0.0004 = 0.0004: under the 0.002 margin, with 5,000 outcomes each.
        assertThat(ReleaseController.decide(comparing(MODEL, 1, 2, Verdict.NO_VERDICT, 5_000, -0.0005, 0.0004),
                V1_WITH_V2, POLICY)).hasValueSatisfying(move -> assertThat(move.action()).isEqualTo(Action.PROMOTE));
        // The same figures on too few outcomes: wait.
        assertThat(ReleaseController.decide(comparing(MODEL, 1, 2, Verdict.NO_VERDICT, 1_000, -0.0005, 0.0004),
                V1_WITH_V2, POLICY)).isEmpty();
        // Too uncertain: the upper bound 0.0005 + 2.326 x 0.001 = 0.0028 is over the margin.
        assertThat(ReleaseController.decide(comparing(MODEL, 1, 2, Verdict.NO_VERDICT, 5_000, 0.0005, 0.001),
                V1_WITH_V2, POLICY)).isEmpty();
    }

    @Test
    void aReportOfAPairTheRegistryNoLongerServesChangesNothing() {
        ServingConfig v1Alone = serving(variant("champion", 1, 1.0));
        ServingConfig v1WithV4 = serving(variant("champion", 1, 0.9), variant("challenger", 4, 0.1));
        ServingConfig v2Promoted = serving(variant("champion", 2, 1.0));
        for (ServingConfig now : List.of(v1Alone, v1WithV4, v2Promoted)) {
            assertThat(ReleaseController.decide(comparing(MODEL, 1, 2, Verdict.CHALLENGER_WORSE, 800, 0.02, 0.005),
                    now, POLICY)).as(now.toString()).isEmpty();
        }
    }

    @Test
    void aRollbackKeepsTheChampionAndTheShadowAndDropsOnlyTheChallenger() {
        assertThat(ReleaseController.withoutChallenger(V1_WITH_V2)).isEqualTo(new AliasUpdate(1, 0, 3, 0, 0.5));
    }

    private static ServingConfig serving(ServingVariant... variants) {
        return new ServingConfig(MODEL, 7, new ArrayList<>(List.of(variants)), 0);
    }

    private static ServingVariant variant(String role, int version, double share) {
        return new ServingVariant(role, version, share, "http://registry/models/" + MODEL + "/" + version, "00",
                "features", List.of("a"), new OutputSpec("probabilities", List.of("no", "yes"), "yes", "p"));
    }
}
