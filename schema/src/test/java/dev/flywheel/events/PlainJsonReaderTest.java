package dev.flywheel.events;

import static dev.flywheel.events.EventSamples.CLOCK;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.EventSamples.Payload;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The fast path reads what producers send and leaves everything else to Jackson. */
class PlainJsonReaderTest {
    private final EventCodec codec = new EventCodec(CLOCK, EventCodec.DEFAULT_MAX_PAYLOAD_BYTES);

    static final List<ShopperEvent> EVENTS = EventSamples.oneOfEachType();

    @ParameterizedTest
    @FieldSource("EVENTS")
    void readsWhatTheCodecWrites(ShopperEvent event) {
        assertThat(PlainJsonReader.read(codec.encode(event), true)).isNotNull();
    }

    @Test
    void readsNonAsciiTextAndWhitespace() {
        String json = " {\"event_id\" : \"é-1\",\n\t\"x\":[ \"😀\" , \"b\" ],\r\n\"y\":-0.5e+3, \"z\":null} ";
        EventCodec.Fields fields = PlainJsonReader.read(json.getBytes(UTF_8), false);

        assertThat(fields).isNotNull();
        assertThat(fields.get("event_id").text()).isEqualTo("é-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"a\":\"\\u0041\"}", // escapes
            "{\"a\":{\"b\":1}}", // nested object
            "{\"a\":[1]}", // array of anything but strings
            "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":1e}", "{\"a\":-}", // not JSON numbers
            "{\"a\":truex}", "{\"a\":nul}", "{\"a\":NaN}",
            "{\"a\":1,\"a\":2}", "{\"ts\":1,\"ts\":2}", // duplicates
            "{\"a\":1,}", "{\"a\":1}x", "{\"a\":1} {}", "[]", "\"a\"", // syntax
            "{\"a\":\u000b1}", "\ufeff{}", "{\"a\":\"\t\"}", // whitespace and control characters JSON does not allow
    })
    void leavesEverythingElseToJackson(String json) {
        assertThat(PlainJsonReader.read(json.getBytes(UTF_8), false)).isNull();
    }

    @Test
    void namesDifferingOnlyInCaseAreNotTheContractFields() {
        EventCodec.Fields fields = PlainJsonReader.read("{\"Ts\":1,\"TYPE\":\"view\"}".getBytes(UTF_8), true);

        assertThat(fields).isNotNull();
        assertThat(fields.get("ts")).isNull();
        assertThat(fields.get("type")).isNull();
    }

    @Test
    void findsADuplicateAmongManyUnknownFields() {
        Payload payload = Payload.view();
        for (int i = 0; i < 40; i++) {
            payload.set("x" + i, Integer.toString(i));
        }
        String json = payload.toString().replace("}", ",\"x7\":0}");

        assertThat(PlainJsonReader.read(json.getBytes(UTF_8), true)).isNull();
        assertThat(codec.decode(json.getBytes(UTF_8)))
                .isEqualTo(new Decoded.Rejected(RejectReason.DUPLICATE_FIELD,
                        "Duplicate field 'x7': a key may appear only once"));
    }
}
