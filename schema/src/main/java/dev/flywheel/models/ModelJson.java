package dev.flywheel.models;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON codecs for the model contracts: snake_case fields, unknown fields ignored (so older
 * readers accept newer writers), duplicate keys refused. Thread-safe.
 */
public final class ModelJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder(
                    JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private ModelJson() {
    }

    /** The shared mapper, for callers that embed model records in their own JSON. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static byte[] encode(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ModelDescriptor descriptor(byte[] json) {
        return decode(json, ModelDescriptor.class);
    }

    public static ServingConfig servingConfig(byte[] json) {
        return decode(json, ServingConfig.class);
    }

    public static ModelVersion modelVersion(byte[] json) {
        return decode(json, ModelVersion.class);
    }

    /**
     * Decodes one record.
     *
     * @throws IllegalArgumentException if the bytes are not valid JSON for the type or break its rules
     */
    public static <T> T decode(byte[] json, Class<T> type) {
        try {
            T value = MAPPER.readValue(json, type);
            if (value == null) {
                throw new IllegalArgumentException("expected a JSON object for " + type.getSimpleName() + ", got null");
            }
            return value;
        } catch (IOException e) {
            Throwable cause = e.getCause();
            // Record constructors signal broken rules with IllegalArgumentException; Jackson wraps it.
            String message = cause instanceof IllegalArgumentException || cause instanceof NullPointerException
                    ? cause.getMessage()
                    : e instanceof JsonProcessingException processing ? processing.getOriginalMessage() : e.getMessage();
            throw new IllegalArgumentException("invalid " + type.getSimpleName() + ": " + message, e);
        }
    }
}
