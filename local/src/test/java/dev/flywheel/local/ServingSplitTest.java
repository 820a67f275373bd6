package dev.flywheel.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.local.JobMetrics.Aggregate;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServingSplitTest {

    @Test
    void aChampionAlone() {
        assertThat(ServingSplit.describe(gauges(agreed(3), agreed(0), agreed(0)))).isEqualTo("v3 100%");
    }

    @Test
    void aChampionAndItsChallenger() {
        assertThat(ServingSplit.describe(gauges(agreed(1), agreed(2), agreed(0.2)))).isEqualTo("v1 80% / v2 20%");
        assertThat(ServingSplit.describe(gauges(agreed(1), agreed(2), agreed(0.125)))).isEqualTo("v1 87.5% / v2 12.5%");
    }

    @Test
    void subtasksThatDisagreeAreShownAsAChange() {
        assertThat(ServingSplit.describe(gauges(new Aggregate(1, 2, 3), agreed(0), agreed(0))))
                .isEqualTo("changing: subtasks on v1 and v2");
        assertThat(ServingSplit.describe(gauges(agreed(1), new Aggregate(0, 2, 2), new Aggregate(0, 0.2, 0.2))))
                .isEqualTo("changing: subtasks on v1 with challenger none and v2");
    }

    @Test
    void nothingServedYet() {
        assertThat(ServingSplit.describe(Map.of())).isEqualTo("no model loaded");
        assertThat(ServingSplit.describe(gauges(agreed(0), agreed(0), agreed(0)))).isEqualTo("no model loaded");
        assertThat(ServingSplit.describe(gauges(new Aggregate(0, 1, 1), agreed(0), agreed(0)))).isEqualTo("loading v1");
    }

    private static Map<String, Aggregate> gauges(Aggregate champion, Aggregate challenger, Aggregate share) {
        return Map.of(ServingSplit.CHAMPION, champion, ServingSplit.CHALLENGER, challenger, ServingSplit.SHARE, share);
    }

    private static Aggregate agreed(double value) {
        return new Aggregate(value, value, 2 * value);
    }
}
