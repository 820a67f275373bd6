package dev.flywheel.retrain;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.models.ModelJson;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Retrain requests as JSON, the models' conventions: snake_case, unknown fields ignored, duplicate
 * keys refused.
 *
 * <pre>{@code
 * {"model":"purchase-propensity","reason":"DRIFT","evidence":{"psi":0.31,"threshold":0.08,"labelled":2400.0},
 *  "window_start":1767225600000,"window_end":1767232800000,
 *  "idempotency_key":"purchase-propensity/1767225600000-1767232800000","requested_at":1767232801234}
 * }</pre>
 */
public final class RetrainRequestJson {
    private static final ObjectMapper MAPPER = ModelJson.mapper().copy()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private RetrainRequestJson() {
    }

    public static byte[] encode(RetrainRequest request) {
        try {
            return MAPPER.writeValueAsBytes(request);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @throws IllegalArgumentException if the bytes are not a valid request */
    public static RetrainRequest decode(byte[] json) {
        try {
            return MAPPER.readValue(json, RetrainRequest.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a retrain request: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a retrain request: " + e.getMessage(), e);
        }
    }
}
