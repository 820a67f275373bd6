package dev.flywheel.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * JSON &lt;-&gt; {@link DeadLetter}, the format of {@link Topics#CLICKSTREAM_DLQ}
 * ({@code schemas/dead-letter.schema.json}).
 *
 * <p>The original bytes travel as base64 so that a payload refused for being invalid UTF-8 can be
 * replayed byte for byte; {@code payload_preview} is a lossy, truncated reading for people and is
 * ignored by {@link #decode}. Thread-safe.
 */
public final class DeadLetterCodec {
    public static final int PREVIEW_CHARS = 512;

    static final String REASON = "reason";
    static final String DETAIL = "detail";
    static final String SOURCE_TOPIC = "source_topic";
    static final String SOURCE_PARTITION = "source_partition";
    static final String SOURCE_OFFSET = "source_offset";
    static final String SOURCE_TIMESTAMP = "source_timestamp";
    static final String KEY_BASE64 = "key_base64";
    static final String PAYLOAD_BASE64 = "payload_base64";
    static final String PAYLOAD_PREVIEW = "payload_preview";
    static final String REJECTED_AT = "rejected_at";

    private final ObjectMapper mapper = new ObjectMapper(
            JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    public byte[] encode(DeadLetter letter) {
        byte[] payload = letter.payload() == null ? new byte[0] : letter.payload();
        ByteArrayBuilder out = new ByteArrayBuilder(256 + payload.length * 2);
        try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField(REASON, letter.reason());
            g.writeStringField(DETAIL, letter.detail());
            g.writeStringField(SOURCE_TOPIC, letter.sourceTopic());
            g.writeNumberField(SOURCE_PARTITION, letter.sourcePartition());
            g.writeNumberField(SOURCE_OFFSET, letter.sourceOffset());
            g.writeNumberField(SOURCE_TIMESTAMP, letter.sourceTimestamp());
            g.writeStringField(KEY_BASE64, letter.key() == null ? null : Base64.getEncoder().encodeToString(letter.key()));
            g.writeStringField(PAYLOAD_BASE64, Base64.getEncoder().encodeToString(payload));
            g.writeStringField(PAYLOAD_PREVIEW, preview(payload));
            g.writeNumberField(REJECTED_AT, letter.rejectedAt());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Reads a dead letter this codec wrote.
     *
     * @throws IllegalArgumentException if the bytes are not such a record
     */
    public DeadLetter decode(byte[] json) {
        JsonNode node;
        try {
            node = mapper.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a dead-letter record: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a dead-letter record: expected a JSON object");
        }
        String key = nullableText(node, KEY_BASE64);
        return new DeadLetter(
                text(node, REASON),
                text(node, DETAIL),
                nullableText(node, SOURCE_TOPIC),
                (int) integer(node, SOURCE_PARTITION, Integer.MIN_VALUE, Integer.MAX_VALUE),
                integer(node, SOURCE_OFFSET, Long.MIN_VALUE, Long.MAX_VALUE),
                integer(node, SOURCE_TIMESTAMP, Long.MIN_VALUE, Long.MAX_VALUE),
                key == null ? null : base64(KEY_BASE64, key),
                base64(PAYLOAD_BASE64, text(node, PAYLOAD_BASE64)),
                integer(node, REJECTED_AT, Long.MIN_VALUE, Long.MAX_VALUE));
    }

    /** The payload as UTF-8 with U+FFFD for bad bytes, cut without splitting a surrogate pair. */
    static String preview(byte[] payload) {
        String text = new String(payload, StandardCharsets.UTF_8);
        if (text.length() <= PREVIEW_CHARS) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(PREVIEW_CHARS - 1)) ? PREVIEW_CHARS - 1 : PREVIEW_CHARS;
        return text.substring(0, end);
    }

    private static String text(JsonNode node, String field) {
        String value = nullableText(node, field);
        if (value == null) {
            throw new IllegalArgumentException("dead-letter field '" + field + "' is missing");
        }
        return value;
    }

    private static String nullableText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("dead-letter field '" + field + "' is not a string");
        }
        return value.textValue();
    }

    private static long integer(JsonNode node, String field, long min, long max) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()
                || value.longValue() < min || value.longValue() > max) {
            throw new IllegalArgumentException("dead-letter field '" + field + "' is missing or not an integer in range");
        }
        return value.longValue();
    }

    private static byte[] base64(String field, String text) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("dead-letter field '" + field + "' is not base64: " + e.getMessage(), e);
        }
    }
}
