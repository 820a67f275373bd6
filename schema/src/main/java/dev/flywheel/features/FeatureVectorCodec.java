package dev.flywheel.features;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.flywheel.events.EventType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * JSON &lt;-&gt; {@link FeatureVector} for the {@code features} topic:
 * <pre>{"event_id":"e1","user_id":"u1","type":"view","ts":1700000000000,"spec_version":1,"values":[..]}</pre>
 * Values are a plain array in spec order: the names are in the spec of {@code spec_version}, and
 * repeating them in every record would triple its size. Doubles are written in their shortest exact
 * form, so decoding gives back the same bits.
 */
public final class FeatureVectorCodec {
    // Schubfach and fast-double-parser: the same shortest exact digits as Double.toString, faster;
    // a vector is 36 doubles, so number formatting is most of the encoding cost.
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    public byte[] encode(FeatureVector vector) {
        ByteArrayBuilder bytes = new ByteArrayBuilder(64 + 12 * vector.values().length);
        try (JsonGenerator json = JSON.createGenerator(bytes)) {
            json.writeStartObject();
            json.writeStringField("event_id", vector.eventId());
            json.writeStringField("user_id", vector.userId());
            json.writeStringField("type", vector.eventType().wireName());
            json.writeNumberField("ts", vector.eventTime());
            json.writeNumberField("spec_version", vector.specVersion());
            json.writeArrayFieldStart("values");
            for (double value : vector.values()) {
                json.writeNumber(value);
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Decodes a record this codec wrote; anything else is an {@link IllegalArgumentException}. */
    public FeatureVector decode(byte[] bytes) {
        String eventId = null;
        String userId = null;
        EventType type = null;
        Long ts = null;
        Integer version = null;
        double[] values = null;
        try (JsonParser json = JSON.createParser(bytes)) {
            require(json.nextToken() == JsonToken.START_OBJECT, "not a JSON object");
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken token = json.nextToken();
                switch (field) {
                    case "event_id" -> eventId = json.getValueAsString();
                    case "user_id" -> userId = json.getValueAsString();
                    case "type" -> type = EventType.fromWireName(json.getValueAsString())
                            .orElseThrow(() -> new IllegalArgumentException("unknown event type"));
                    case "ts" -> ts = json.getLongValue();
                    case "spec_version" -> version = json.getIntValue();
                    case "values" -> values = readValues(json, token);
                    default -> json.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed feature vector JSON: " + e.getMessage(), e);
        }
        require(eventId != null && userId != null && type != null && ts != null && version != null && values != null,
                "feature vector lacks a field");
        return new FeatureVector(eventId, userId, type, ts, version, values);
    }

    private static double[] readValues(JsonParser json, JsonToken token) throws IOException {
        require(token == JsonToken.START_ARRAY, "values is not an array");
        double[] values = new double[16];
        int size = 0;
        while (json.nextToken() != JsonToken.END_ARRAY) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = json.getDoubleValue();
        }
        return Arrays.copyOf(values, size);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
