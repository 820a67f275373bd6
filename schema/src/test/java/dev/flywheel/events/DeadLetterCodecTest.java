package dev.flywheel.events;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class DeadLetterCodecTest {
    private static final JsonSchema SCHEMA = ContractAgreementTest.loadSchema("/schemas/dead-letter.schema.json");

    private final DeadLetterCodec codec = new DeadLetterCodec();

    @Test
    void binaryPayloadAndNullKeySurviveByteForByte() {
        byte[] payload = {'{', '"', 'u', (byte) 0xff, (byte) 0xc0, (byte) 0xaf, 0, '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80};
        DeadLetter letter = new DeadLetter("invalid_utf8", "payload is not valid UTF-8 at byte 3", "clickstream",
                2, 41_000_000_123L, 1_748_692_800_000L, null, payload, 1_748_692_801_000L);

        DeadLetter decoded = codec.decode(codec.encode(letter));

        assertThat(decoded).isEqualTo(letter);
        assertThat(decoded.payload()).containsExactly(payload);
        assertThat(decoded.key()).isNull();
    }

    @Test
    void keyAndEmptyPayloadSurvive() {
        DeadLetter letter = new DeadLetter("empty_payload", "payload is empty", "clickstream", 0, 7, 1L,
                "user-42".getBytes(UTF_8), new byte[0], 2L);

        assertThat(codec.decode(codec.encode(letter))).isEqualTo(letter);
    }

    @Test
    void writesTheDocumentedFieldsWithAReadablePreview() throws IOException {
        byte[] payload = ("{\"user_id\":\"\u00e9\"," + "x".repeat(600) + "\u00ff").getBytes(UTF_8);
        payload[payload.length - 1] = (byte) 0xfe; // break the last character
        DeadLetter letter = new DeadLetter("malformed_json", "malformed JSON at byte 20", "clickstream", 1, 9, 3L,
                new byte[] {1, 2}, payload, 4L);

        JsonNode json = new ObjectMapper().readTree(codec.encode(letter));

        assertThat(SCHEMA.validate(json)).isEmpty();
        assertThat(json.get("reason").textValue()).isEqualTo("malformed_json");
        assertThat(json.get("source_offset").longValue()).isEqualTo(9);
        assertThat(json.get("key_base64").textValue()).isEqualTo("AQI=");
        assertThat(json.get("payload_preview").textValue()).hasSize(DeadLetterCodec.PREVIEW_CHARS)
                .startsWith("{\"user_id\":\"\u00e9\",xxx");
    }

    @Test
    void previewReplacesBadBytesAndNeverSplitsASurrogatePair() {
        byte[] payload = ("x".repeat(DeadLetterCodec.PREVIEW_CHARS - 1) + "\uD83D\uDED2tail").getBytes(UTF_8);

        assertThat(DeadLetterCodec.preview(payload)).hasSize(DeadLetterCodec.PREVIEW_CHARS - 1);
        assertThat(DeadLetterCodec.preview(new byte[] {'a', (byte) 0xff, 'b'})).isEqualTo("a\uFFFDb");
    }

    @Test
    void nullKeyIsWrittenAsJsonNull() throws IOException {
        DeadLetter letter = new DeadLetter("empty_payload", "payload is empty", "clickstream", 0, 0, 0, null,
                new byte[0], 0);

        JsonNode json = new ObjectMapper().readTree(codec.encode(letter));

        assertThat(json.get("key_base64").isNull()).isTrue();
        assertThat(SCHEMA.validate(json)).isEmpty();
    }

    @Test
    void equalityComparesBytesNotArrayIdentity() {
        DeadLetter one = new DeadLetter("r", "d", "t", 0, 1, 2, new byte[] {1}, new byte[] {2}, 3);
        DeadLetter same = new DeadLetter("r", "d", "t", 0, 1, 2, new byte[] {1}, new byte[] {2}, 3);
        DeadLetter otherPayload = new DeadLetter("r", "d", "t", 0, 1, 2, new byte[] {1}, new byte[] {9}, 3);

        assertThat(one).isEqualTo(same).hasSameHashCodeAs(same).isNotEqualTo(otherPayload);
        assertThat(one.toString()).contains("payload=1 bytes");
    }

    @Test
    void refusesWhatItDidNotWrite() {
        assertThatThrownBy(() -> codec.decode("[]".getBytes(UTF_8))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.decode("{\"reason\":\"x\"".getBytes(UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.decode(("{\"reason\":\"r\",\"detail\":\"d\",\"source_topic\":\"t\","
                + "\"source_partition\":0,\"source_offset\":1,\"source_timestamp\":2,\"key_base64\":null,"
                + "\"payload_base64\":\"not base64!\",\"rejected_at\":3}").getBytes(UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("payload_base64");
    }
}
