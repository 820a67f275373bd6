package dev.flywheel.decisions;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.flywheel.events.EventType;
import dev.flywheel.outcomes.Outcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * JSON of the {@code decisions} and {@code outcomes} topics, the records other teams' consumers
 * read (docs/decisions.md). An outcome is the decision's fields followed by the label's, flat, so a
 * consumer that knows decisions reads outcomes too and a SQL engine sees one row.
 *
 * <pre>{@code
 * {"decision_id":"e-1/purchase-propensity/3","event_id":"e-1","event_type":"view","user_id":"u-1",
 *  "session_id":"s-1","item_id":"i-9","model":"purchase-propensity","model_version":3,
 *  "variant":"champion","score":0.1843,"spec_version":1,"features":[...36 numbers...],
 *  "event_time":1767225600000,"decision_time":1767225600012}
 * }</pre>
 *
 * Scores are written as the float ONNX Runtime returned (shortest form that reads back to the same
 * float); feature values as doubles that read back bit for bit. Readers ignore fields they do not
 * know, so fields can be added. Not thread-safe: one per thread (a Flink subtask, a consumer).
 */
public final class DecisionJson {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final EventType[] TYPES = EventType.values();

    /** Below this, Java and Jackson write a whole double as its digits and ".0" (from 1e7 on: 1.0E7). */
    private static final long WHOLE_LIMIT = 10_000_000;

    private final ByteArrayBuilder buffer = new ByteArrayBuilder(1024);
    private final char[] digits = new char[24];

    public byte[] encode(Decision decision) {
        return write(decision, null);
    }

    public byte[] encode(Outcome outcome) {
        return write(outcome.decision(), outcome);
    }

    public Decision decodeDecision(byte[] json) {
        return read(json).decision();
    }

    public Outcome decodeOutcome(byte[] json) {
        Fields fields = read(json);
        if (fields.purchased == null) {
            throw new IllegalArgumentException("not an outcome: field 'purchased' is missing");
        }
        return new Outcome(fields.decision(), fields.purchased, fields.labelTime, fields.attributionWindowMs,
                fields.orderId, fields.returnedQuantity, fields.returnWindowMs);
    }

    private byte[] write(Decision d, Outcome outcome) {
        buffer.reset();
        try (JsonGenerator out = JSON.createGenerator(buffer)) {
            out.writeStartObject();
            out.writeStringField("decision_id", d.decisionId());
            out.writeStringField("event_id", d.eventId());
            out.writeStringField("event_type", d.eventType().wireName());
            out.writeStringField("user_id", d.userId());
            out.writeStringField("session_id", d.sessionId());
            out.writeStringField("item_id", d.itemId());
            out.writeStringField("model", d.model());
            out.writeNumberField("model_version", d.modelVersion());
            out.writeStringField("variant", d.variant());
            out.writeFieldName("score");
            out.writeNumber((float) d.score());
            out.writeNumberField("spec_version", d.specVersion());
            out.writeFieldName("features");
            out.writeStartArray(d.features(), d.features().length);
            for (double value : d.features()) {
                writeDouble(out, value);
            }
            out.writeEndArray();
            out.writeNumberField("event_time", d.eventTime());
            out.writeNumberField("decision_time", d.decisionTime());
            if (outcome != null) {
                out.writeBooleanField("purchased", outcome.purchased());
                out.writeNumberField("label_time", outcome.labelTime());
                out.writeNumberField("attribution_window_ms", outcome.attributionWindowMs());
                out.writeStringField("order_id", outcome.orderId());
                out.writeNumberField("returned_quantity", outcome.returnedQuantity());
                out.writeNumberField("return_window_ms", outcome.returnWindowMs());
            }
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    /**
     * Writes a double as Jackson would ({@code 3.0}, {@code 0.1234}), taking a shortcut for whole
     * numbers: two thirds of a vector's values are counts, 0, 1 or -1, and the shortest-digits
     * algorithm Jackson runs for every double was half of the scoring stage's time. The text is the
     * same either way (DecisionJsonTest holds the two together).
     */
    private void writeDouble(JsonGenerator out, double value) throws IOException {
        long whole = (long) value;
        if (whole != value || !(Math.abs(value) < WHOLE_LIMIT)
                || (whole == 0 && Double.doubleToRawLongBits(value) != 0)) { // -0.0 keeps its sign
            out.writeNumber(value);
            return;
        }
        int end = digits.length;
        digits[--end] = '0';
        digits[--end] = '.';
        long rest = Math.abs(whole);
        do {
            digits[--end] = (char) ('0' + rest % 10);
            rest /= 10;
        } while (rest != 0);
        if (whole < 0) {
            digits[--end] = '-';
        }
        out.writeRawValue(digits, end, digits.length - end);
    }

    private static Fields read(byte[] json) {
        Fields f = new Fields();
        try (JsonParser in = JSON.createParser(json)) {
            if (in.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("expected a JSON object");
            }
            while (in.nextToken() == JsonToken.FIELD_NAME) {
                String name = in.currentName();
                JsonToken value = in.nextToken();
                if (value == JsonToken.VALUE_NULL) {
                    continue;
                }
                switch (name) {
                    case "decision_id" -> f.decisionId = in.getText();
                    case "event_id" -> f.eventId = in.getText();
                    case "event_type" -> f.eventType = EventType.fromWireName(in.getText())
                            .orElseThrow(() -> new IllegalArgumentException("unknown event_type"));
                    case "user_id" -> f.userId = in.getText();
                    case "session_id" -> f.sessionId = in.getText();
                    case "item_id" -> f.itemId = in.getText();
                    case "model" -> f.model = in.getText();
                    case "model_version" -> f.modelVersion = in.getIntValue();
                    case "variant" -> f.variant = in.getText();
                    case "score" -> f.score = (double) in.getFloatValue();
                    case "spec_version" -> f.specVersion = in.getIntValue();
                    case "features" -> f.features = readDoubles(in);
                    case "event_time" -> f.eventTime = in.getLongValue();
                    case "decision_time" -> f.decisionTime = in.getLongValue();
                    case "purchased" -> f.purchased = in.getBooleanValue();
                    case "label_time" -> f.labelTime = in.getLongValue();
                    case "attribution_window_ms" -> f.attributionWindowMs = in.getLongValue();
                    case "order_id" -> f.orderId = in.getText();
                    case "returned_quantity" -> f.returnedQuantity = in.getIntValue();
                    case "return_window_ms" -> f.returnWindowMs = in.getLongValue();
                    default -> in.skipChildren(); // a newer writer's field
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid decision JSON: " + e.getMessage(), e);
        }
        return f;
    }

    private static double[] readDoubles(JsonParser in) throws IOException {
        if (in.currentToken() != JsonToken.START_ARRAY) {
            throw new IllegalArgumentException("field 'features' must be an array of numbers");
        }
        double[] values = new double[64];
        int n = 0;
        while (in.nextToken() != JsonToken.END_ARRAY) {
            if (n == values.length) {
                values = Arrays.copyOf(values, n * 2);
            }
            values[n++] = in.getDoubleValue();
        }
        return Arrays.copyOf(values, n);
    }

    /** Fields as read; required ones are checked by the records' constructors. */
    private static final class Fields {
        String decisionId;
        String eventId;
        EventType eventType;
        String userId;
        String sessionId;
        String itemId;
        String model;
        int modelVersion;
        String variant;
        double score;
        int specVersion;
        double[] features;
        long eventTime;
        long decisionTime;
        Boolean purchased;
        long labelTime;
        long attributionWindowMs;
        String orderId;
        int returnedQuantity;
        long returnWindowMs;

        Decision decision() {
            try {
                return new Decision(decisionId, eventId, eventType, userId, sessionId, itemId, model, modelVersion,
                        variant, score, specVersion, features, eventTime, decisionTime);
            } catch (NullPointerException e) {
                throw new IllegalArgumentException("invalid decision JSON: field " + e.getMessage() + " is missing");
            }
        }
    }
}
