package dev.flywheel.health;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.models.ModelJson;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Model-health reports as JSON, the models' conventions: snake_case, unknown fields ignored (fields
 * are only ever added), duplicate keys refused, absent figures left out rather than written as
 * null. Thread-safe.
 */
public final class ModelHealthJson {
    private static final ObjectMapper MAPPER = ModelJson.mapper().copy()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private ModelHealthJson() {
    }

    public static byte[] encode(ModelHealthReport report) {
        return encodeValue(report);
    }

    /** Any part of a report, for callers that keep one (a drift section waiting for its outcomes). */
    public static byte[] encodeValue(Object part) {
        try {
            return MAPPER.writeValueAsBytes(part);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @throws IllegalArgumentException if the bytes are not a valid report */
    public static ModelHealthReport decode(byte[] json) {
        return decodeValue(json, ModelHealthReport.class);
    }

    /** @throws IllegalArgumentException if the bytes are not a valid {@code type} */
    public static <T> T decodeValue(byte[] json, Class<T> type) {
        try {
            T value = MAPPER.readValue(json, type);
            if (value == null) {
                throw new IllegalArgumentException("not a " + type.getSimpleName() + ": null");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException already && already.getMessage().startsWith("not a ")) {
                throw already;
            }
            throw new IllegalArgumentException("not a " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
