package dev.flywheel.retrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetrainRequestJsonTest {

    @Test
    void aRequestReadsBackAsItWasWritten() {
        RetrainRequest request = new RetrainRequest("purchase-propensity", RetrainRequest.Reason.DRIFT,
                Map.of("psi", 0.31, "threshold", 0.08), 1_767_225_600_000L, 1_767_232_800_000L,
                RetrainRequest.keyOf("purchase-propensity", 1_767_225_600_000L, 1_767_232_800_000L), 1_767_232_801_234L);
        byte[] json = RetrainRequestJson.encode(request);

        assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"window_start\":1767225600000",
                "\"idempotency_key\":\"purchase-propensity/1767225600000-1767232800000\"", "\"reason\":\"DRIFT\"");
        assertThat(RetrainRequestJson.decode(json)).isEqualTo(request);
    }

    @Test
    void badRequestsAreRefusedWithAReason() {
        assertThatThrownBy(() -> RetrainRequestJson.decode("{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not a retrain request");
        assertThatThrownBy(() -> RetrainRequestJson.decode(("{\"model\":\"m\",\"reason\":\"DRIFT\",\"window_start\":5,"
                + "\"window_end\":5,\"idempotency_key\":\"k\",\"requested_at\":1}").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must start before it ends");
        assertThatThrownBy(() -> RetrainRequestJson.decode("[]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
