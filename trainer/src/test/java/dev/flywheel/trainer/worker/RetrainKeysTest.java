package dev.flywheel.trainer.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.retrain.RetrainRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetrainKeysTest {

    @Test
    void theKeyReadsBackFromCreatedByWhateverItHolds() {
        for (String key : new String[] {"purchase-propensity/1767225600000-1767232800000", "a key with spaces",
                "retrain_key=nested", "ünïcode/%20"}) {
            RetrainRequest request = new RetrainRequest("m", RetrainRequest.Reason.MANUAL, Map.of(), 1, 2, key, 3);
            String createdBy = RetrainKeys.createdBy(request, 1);

            assertThat(createdBy).startsWith("flywheel-trainer worker ").contains("reason=MANUAL", "window=1..2",
                    "feature-spec=v1");
            assertThat(RetrainKeys.keyOf(createdBy)).contains(key);
        }
    }

    @Test
    void aVersionTrainedOtherwiseRecordsNoKey() {
        assertThat(RetrainKeys.keyOf("flywheel-trainer seed=42 events=200000 users=100000 holdout=0.3")).isEmpty();
        assertThat(RetrainKeys.keyOf("")).isEmpty();
    }
}
