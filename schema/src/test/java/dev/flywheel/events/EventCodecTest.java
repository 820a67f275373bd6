package dev.flywheel.events;

import static dev.flywheel.events.EventSamples.CLOCK;
import static dev.flywheel.events.EventSamples.NOW;
import static dev.flywheel.events.EventSamples.TS;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.flywheel.events.EventSamples.Payload;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventCodecTest {
    private final EventCodec codec = new EventCodec(CLOCK, EventCodec.DEFAULT_MAX_PAYLOAD_BYTES);

    // ------------------------------------------------------------------------------ round trips

    static final List<ShopperEvent> EVENTS = EventSamples.oneOfEachType();

    @ParameterizedTest
    @FieldSource("EVENTS")
    void everyTypeSurvivesARoundTrip(ShopperEvent event) {
        byte[] bytes = codec.encode(event);

        assertThat(codec.decode(bytes)).isEqualTo(new Decoded.Accepted(event));
        assertThat(codec.encodeToString(event)).isEqualTo(new String(bytes, UTF_8));
    }

    @Test
    void writesTheDocumentedWireFormat() {
        ShopperEvent purchase = new ShopperEvent.Purchase(
                new EventHeader("e-9", TS, "u-1", "s-1", "{\"coupon\":\"SUMMER\"}"), "o-1", "i-2", "c-1", 5.5, 3);

        assertThat(codec.encodeToString(purchase)).isEqualTo("{\"event_id\":\"e-9\",\"type\":\"purchase\",\"ts\":" + TS
                + ",\"user_id\":\"u-1\",\"session_id\":\"s-1\",\"order_id\":\"o-1\",\"item_id\":\"i-2\","
                + "\"category\":\"c-1\",\"price\":5.5,\"quantity\":3,\"coupon\":\"SUMMER\"}");
    }

    @Test
    void keepsUnknownFieldsInOrderAndVerbatim() {
        String payload = Payload.view()
                .set("campaign", "\"spring\"")
                .set("query", "\"belongs to search, so an extra on a view\"")
                .set("meta", "{ \"ratio\": 2.50, \"huge\": 1e400, \"tags\": [\"a\", null, true] }")
                .set("price", "null")
                .toString();

        ShopperEvent event = accepted(payload);

        assertThat(((ShopperEvent.View) event).price()).isNull();
        assertThat(event.header().extras()).isEqualTo("{\"campaign\":\"spring\","
                + "\"query\":\"belongs to search, so an extra on a view\","
                + "\"meta\":{\"ratio\":2.50,\"huge\":1e400,\"tags\":[\"a\",null,true]}}");
        String reencoded = codec.encodeToString(event);
        assertThat(reencoded).endsWith(",\"campaign\":\"spring\",\"query\":\"belongs to search, so an extra on a view\","
                + "\"meta\":{\"ratio\":2.50,\"huge\":1e400,\"tags\":[\"a\",null,true]}}");
        assertThat(accepted(reencoded)).isEqualTo(event);
    }

    @Test
    void treatsNullOptionalFieldsAsAbsent() {
        ShopperEvent click = accepted(Payload.ofType("click").set("price", "null").set("request_id", "null").toString());
        ShopperEvent search = accepted(Payload.ofType("search").set("results", "null").toString());

        assertThat(click).isEqualTo(new ShopperEvent.Click(click.header(), "i-1", "c-1", null, null));
        assertThat(click.header().extras()).isNull();
        assertThat(((ShopperEvent.Search) search).results()).isEmpty();
        assertThat(codec.encodeToString(click)).doesNotContain("price").doesNotContain("request_id");
    }

    @Test
    void acceptsValuesOnTheLimits() {
        String id256 = "\"" + "x".repeat(256) + "\"";
        String emoji256 = "\"" + "\uD83D\uDED2".repeat(256) + "\""; // 512 UTF-16 units, 256 characters
        String results1000 = IntStream.range(0, 1000).mapToObj(i -> "\"i-" + i + "\"")
                .collect(Collectors.joining(",", "[", "]"));
        String nested16 = "[".repeat(15) + "]".repeat(15); // inside the top-level object: 16 levels

        assertThat(accepted(Payload.ofType("add_to_cart").set("user_id", id256).set("category", emoji256)
                .set("quantity", "10000").set("price", "1e9").set("deep", nested16)
                .set("ts", Long.toString(EventCodec.MIN_TS)).toString())).isNotNull();
        assertThat(accepted(Payload.ofType("search").set("query", "\"" + "q".repeat(1024) + "\"")
                .set("results", results1000).set("ts", Long.toString(NOW.toEpochMilli() + 86_400_000L)).toString()))
                .isNotNull();
        assertThat(accepted(Payload.view().set("price", "0").toString())).isNotNull();
    }

    @Test
    void acceptsIntegralFloatsAsIntegersLikeJsonSchemaDoes() {
        ShopperEvent event = accepted(Payload.ofType("purchase").set("ts", "1.7486928e12").set("quantity", "2.0").toString());

        assertThat(event.ts()).isEqualTo(1_748_692_800_000L);
        assertThat(((ShopperEvent.Purchase) event).quantity()).isEqualTo(2);
    }

    @Test
    void acceptsWhitespaceAroundTheObjectAndEscapedUnicode() {
        ShopperEvent event = accepted(" \n" + Payload.view().set("user_id", "\"\\u00e9l\\u00e8ve \\uD83D\\uDED2\"") + "\r\n\t");

        assertThat(event.userId()).isEqualTo("élève \uD83D\uDED2");
    }

    // ------------------------------------------------------------------------------ rejections

    /** (reason, payload, a fragment the detail must contain). At least one row per reason. */
    static Stream<Arguments> rejections() {
        String view = Payload.view().toString();
        String longNumber = "1" + "0".repeat(1000);
        return Stream.of(
                row(RejectReason.EMPTY_PAYLOAD, new byte[0], "empty"),
                row(RejectReason.EMPTY_PAYLOAD, " \r\n\t ", "whitespace"),
                row(RejectReason.OVERSIZED_PAYLOAD, Payload.view().set("pad", "\"" + "x".repeat(65_536) + "\"").toString(),
                        "limit is 65536"),
                row(RejectReason.OVERSIZED_PAYLOAD, " ".repeat(65_537), "65537 bytes"),
                row(RejectReason.INVALID_UTF8, withBytesInUserId(0xff), "not valid UTF-8 at byte"),
                row(RejectReason.INVALID_UTF8, withBytesInUserId(0xc0, 0xaf), "UTF-8"), // overlong '/'
                row(RejectReason.INVALID_UTF8, withBytesInUserId(0xed, 0xa0, 0x80), "UTF-8"), // encoded surrogate
                row(RejectReason.INVALID_UTF8, concat(view.substring(0, view.length() - 1).getBytes(UTF_8),
                        new byte[] {',', '"', 'x', '"', ':', '"', (byte) 0xe2, (byte) 0x82}), "UTF-8"), // cut mid-character
                row(RejectReason.MALFORMED_JSON, view.substring(0, 40), "malformed JSON"),
                row(RejectReason.MALFORMED_JSON, "{", "malformed JSON"),
                row(RejectReason.MALFORMED_JSON, Payload.view().set("price", "NaN").toString(), "NaN"),
                row(RejectReason.MALFORMED_JSON, Payload.view().set("price", "Infinity").toString(), "Infinity"),
                row(RejectReason.MALFORMED_JSON, view.replace('"', '\''), "malformed JSON"),
                row(RejectReason.MALFORMED_JSON, "hello", "hello"),
                row(RejectReason.MALFORMED_JSON, "<html><body>502 Bad Gateway</body></html>", "malformed JSON"),
                row(RejectReason.MALFORMED_JSON, view.replace("}", ",}"), "malformed JSON"),
                row(RejectReason.MALFORMED_JSON, Payload.view().set("ts", "0" + TS).toString(), "Leading zeroes"),
                row(RejectReason.MALFORMED_JSON, view.replace("\"u-1\"", "\"u\t1\""), "CTRL-CHAR"),
                row(RejectReason.MALFORMED_JSON, Payload.view().set("price", longNumber).toString(), "exceeds the maximum"),
                row(RejectReason.MALFORMED_JSON, "[1, 2", "malformed JSON"), // syntax before shape
                row(RejectReason.MALFORMED_JSON, "\"unclosed", "malformed JSON"),
                row(RejectReason.TRAILING_CONTENT, view + view, "content after"),
                row(RejectReason.TRAILING_CONTENT, view + " x", "content after"),
                row(RejectReason.TRAILING_CONTENT, view + "}", "content after"),
                row(RejectReason.TRAILING_CONTENT, "[1] x", "content after"), // trailing before shape
                row(RejectReason.TRAILING_CONTENT, "\"a string\" 1", "content after"),
                row(RejectReason.NESTING_TOO_DEEP, Payload.view().set("deep", "[".repeat(16) + "]".repeat(16)).toString(),
                        "'deep'"),
                row(RejectReason.NESTING_TOO_DEEP, "[".repeat(17) + "]".repeat(17), "16 levels"),
                row(RejectReason.DUPLICATE_FIELD, Payload.view().toString().replace("}", ",\"user_id\":\"u-2\"}"),
                        "'user_id'"),
                row(RejectReason.DUPLICATE_FIELD, Payload.view().set("meta", "{\"a\":1,\"a\":2}").toString(), "'a'"),
                row(RejectReason.NOT_AN_OBJECT, "[" + view + "]", "an array"),
                row(RejectReason.NOT_AN_OBJECT, "\"" + view.replace("\"", "\\\"") + "\"", "a string"),
                row(RejectReason.NOT_AN_OBJECT, "42", "a number"),
                row(RejectReason.NOT_AN_OBJECT, "null", "null"),
                row(RejectReason.NOT_AN_OBJECT, "true", "a boolean"),
                row(RejectReason.MISSING_FIELD, Payload.view().remove("event_id").set("type", "\"bogus\"").toString(),
                        "'event_id' is missing"), // fields in wire order: event_id before type
                row(RejectReason.MISSING_FIELD, Payload.view().remove("type").toString(), "'type'"),
                row(RejectReason.MISSING_FIELD, Payload.view().remove("ts").toString(), "'ts'"),
                row(RejectReason.MISSING_FIELD, Payload.view().set("user_id", "null").toString(), "'user_id' is null"),
                row(RejectReason.MISSING_FIELD, Payload.view().remove("session_id").toString(), "'session_id'"),
                row(RejectReason.MISSING_FIELD, Payload.view().remove("category").toString(), "'category'"),
                row(RejectReason.MISSING_FIELD, Payload.ofType("search").remove("query").toString(), "'query'"),
                row(RejectReason.MISSING_FIELD, Payload.ofType("search").remove("request_id").toString(), "'request_id'"),
                row(RejectReason.MISSING_FIELD, Payload.ofType("add_to_cart").remove("quantity").toString(), "'quantity'"),
                row(RejectReason.MISSING_FIELD, Payload.ofType("return").remove("order_id").toString(), "'order_id'"),
                row(RejectReason.WRONG_TYPE, Payload.view().set("ts", "\"" + TS + "\"").toString(), "'ts' is a string"),
                row(RejectReason.WRONG_TYPE, Payload.view().set("ts", TS + ".5").toString(), "fraction"),
                row(RejectReason.WRONG_TYPE, Payload.view().set("price", "\"19.99\"").toString(), "'price' is a string"),
                row(RejectReason.WRONG_TYPE, Payload.ofType("add_to_cart").set("quantity", "1.5").toString(), "'quantity'"),
                row(RejectReason.WRONG_TYPE, Payload.ofType("search").set("results", "\"i-1\"").toString(), "'results'"),
                row(RejectReason.WRONG_TYPE, Payload.ofType("search").set("results", "[\"i-1\", 2]").toString(),
                        "element 1"),
                row(RejectReason.WRONG_TYPE, Payload.view().set("user_id", "12345").toString(), "'user_id' is a number"),
                row(RejectReason.WRONG_TYPE, Payload.view().set("type", "3").toString(), "'type'"),
                row(RejectReason.WRONG_TYPE, Payload.view().set("item_id", "{\"id\":1}").toString(), "an object"),
                row(RejectReason.WRONG_TYPE, Payload.view().set("ts", "true").toString(), "a boolean"),
                // An exponent beyond BigDecimal's range is still a JSON number, and this one a fraction.
                row(RejectReason.WRONG_TYPE, Payload.ofType("add_to_cart").set("quantity", "1e-2147483649").toString(),
                        "fraction"),
                row(RejectReason.BLANK_FIELD, Payload.view().set("session_id", "\"  \\t \"").toString(), "'session_id'"),
                row(RejectReason.BLANK_FIELD, Payload.view().set("event_id", "\"\"").toString(), "'event_id'"),
                row(RejectReason.BLANK_FIELD, Payload.ofType("search").set("results", "[\"i-1\", \" \"]").toString(),
                        "element 1"),
                row(RejectReason.BLANK_FIELD, Payload.ofType("click").set("request_id", "\"\"").toString(), "'request_id'"),
                row(RejectReason.FIELD_TOO_LONG, Payload.view().set("user_id", "\"" + "u".repeat(257) + "\"").toString(),
                        "257 characters"),
                row(RejectReason.FIELD_TOO_LONG, Payload.view().set("category", "\"" + "\uD83D\uDED2".repeat(257) + "\"")
                        .toString(), "257 characters"),
                row(RejectReason.FIELD_TOO_LONG, Payload.ofType("search").set("query", "\"" + "q".repeat(1025) + "\"")
                        .toString(), "limit is 1024"),
                row(RejectReason.UNKNOWN_EVENT_TYPE, Payload.view().set("type", "\"page_view\"").toString(), "'page_view'"),
                row(RejectReason.UNKNOWN_EVENT_TYPE, Payload.view().set("type", "\"VIEW\"").toString(), "'VIEW'"),
                row(RejectReason.TIMESTAMP_NOT_POSITIVE, Payload.view().set("ts", "0").toString(), "'ts' is 0"),
                row(RejectReason.TIMESTAMP_NOT_POSITIVE, Payload.view().set("ts", "-1").toString(), "'ts' is -1"),
                row(RejectReason.TIMESTAMP_NOT_POSITIVE, Payload.view().set("ts", "0.0e2147483648").toString(), "'ts' is 0"),
                row(RejectReason.TIMESTAMP_TOO_OLD, Payload.view().set("ts", Long.toString(TS / 1000)).toString(),
                        "looks like epoch seconds"),
                row(RejectReason.TIMESTAMP_TOO_OLD, Payload.view().set("ts", Long.toString(EventCodec.MIN_TS - 1)).toString(),
                        "before 2000-01-01"),
                row(RejectReason.TIMESTAMP_IN_FUTURE, Payload.view()
                        .set("ts", Long.toString(NOW.toEpochMilli() + 86_400_001L)).toString(), "24 h"),
                row(RejectReason.TIMESTAMP_IN_FUTURE, Payload.view().set("ts", Long.toString(TS * 1000)).toString(), "'ts'"),
                row(RejectReason.NUMBER_OUT_OF_RANGE, Payload.view().set("ts", "99999999999999999999").toString(), "'ts'"),
                row(RejectReason.NUMBER_OUT_OF_RANGE, Payload.view().set("ts", "1e30").toString(), "'ts'"),
                row(RejectReason.NUMBER_OUT_OF_RANGE, Payload.view().set("ts", "1e2147483648").toString(), "64-bit"),
                row(RejectReason.NUMBER_OUT_OF_RANGE, Payload.ofType("purchase").set("quantity", "-5E+99999999999")
                        .toString(), "32-bit"),
                row(RejectReason.NUMBER_OUT_OF_RANGE, Payload.view().set("ts", "-99999999999999999999").toString(), "'ts'"),
                row(RejectReason.NUMBER_OUT_OF_RANGE, Payload.ofType("add_to_cart").set("quantity", "10001").toString(),
                        "limit is 10000"),
                row(RejectReason.NUMBER_OUT_OF_RANGE, Payload.ofType("purchase").set("quantity", "3000000000").toString(),
                        "'quantity'"),
                row(RejectReason.NUMBER_OUT_OF_RANGE, Payload.view().set("price", "1000000000.01").toString(), "1e9"),
                row(RejectReason.NON_FINITE_NUMBER, Payload.view().set("price", "1e400").toString(), "infinity"),
                row(RejectReason.NON_FINITE_NUMBER, Payload.view().set("price", "-1e400").toString(), "'price'"),
                row(RejectReason.NEGATIVE_PRICE, Payload.view().set("price", "-0.01").toString(), "'price' is -0.01"),
                row(RejectReason.NON_POSITIVE_QUANTITY, Payload.ofType("add_to_cart").set("quantity", "0").toString(),
                        "'quantity' is 0"),
                row(RejectReason.NON_POSITIVE_QUANTITY, Payload.ofType("return").set("quantity", "-2").toString(),
                        "'quantity' is -2"),
                row(RejectReason.TOO_MANY_RESULTS, Payload.ofType("search").set("results",
                        IntStream.range(0, 1001).mapToObj(i -> "\"i\"").collect(Collectors.joining(",", "[", "]")))
                        .toString(), "1001 item ids"),
                row(RejectReason.UNPAIRED_SURROGATE, Payload.view().set("user_id", "\"\\ud800x\"").toString(), "'user_id'"),
                row(RejectReason.UNPAIRED_SURROGATE, Payload.view().set("note", "[\"\\udc00\"]").toString(), "'note'"),
                row(RejectReason.UNPAIRED_SURROGATE, Payload.view().set("x\\ud83d", "1").toString(), "field name"));
    }

    /** docs/events.md: a search's fields are checked as query, request_id, results, the order encode writes. */
    @Test
    void searchChecksRequestIdBeforeResults() {
        String noRequestIdAndResultsNotAnArray = Payload.ofType("search").remove("request_id")
                .set("results", "\"i-1\"").toString();
        String blankRequestIdAndTooManyResults = Payload.ofType("search").set("request_id", "\" \"")
                .set("results", IntStream.range(0, 1001).mapToObj(i -> "\"i\"").collect(Collectors.joining(",", "[", "]")))
                .toString();
        String noQueryAndNoRequestId = Payload.ofType("search").remove("query").remove("request_id").toString();

        assertThat(codec.decode(noRequestIdAndResultsNotAnArray.getBytes(UTF_8)))
                .isEqualTo(new Decoded.Rejected(RejectReason.MISSING_FIELD, "field 'request_id' is missing"));
        assertThat(codec.decode(blankRequestIdAndTooManyResults.getBytes(UTF_8)))
                .isEqualTo(new Decoded.Rejected(RejectReason.BLANK_FIELD, "field 'request_id' is blank"));
        assertThat(codec.decode(noQueryAndNoRequestId.getBytes(UTF_8)))
                .isEqualTo(new Decoded.Rejected(RejectReason.MISSING_FIELD, "field 'query' is missing"));
    }

    @ParameterizedTest(name = "[{index}] {0}: {3}")
    @MethodSource("rejections")
    void rejectsWithTheExactReason(RejectReason reason, byte[] payload, String detailFragment, String preview) {
        Decoded decoded = codec.decode(payload);

        assertThat(decoded).isInstanceOfSatisfying(Decoded.Rejected.class, rejected -> {
            assertThat(rejected.reason()).isEqualTo(reason);
            assertThat(rejected.detail()).contains(detailFragment).hasSizeLessThan(300);
        });
    }

    @Test
    void everyReasonHasARejectionCase() {
        Set<RejectReason> covered = rejections().map(args -> (RejectReason) args.get()[0])
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(RejectReason.class)));

        assertThat(covered).containsExactlyInAnyOrderElementsOf(EnumSet.allOf(RejectReason.class));
    }

    @Test
    void honoursAConfiguredPayloadLimit() {
        byte[] payload = Payload.view().toString().getBytes(UTF_8);
        EventCodec tight = new EventCodec(CLOCK, payload.length - 1);

        assertThat(tight.decode(payload)).isEqualTo(new Decoded.Rejected(RejectReason.OVERSIZED_PAYLOAD,
                "payload is " + payload.length + " bytes, limit is " + (payload.length - 1)));
        assertThat(new EventCodec(CLOCK, payload.length).decode(payload)).isInstanceOf(Decoded.Accepted.class);
    }

    // ------------------------------------------------------------------------------ encoding

    @Test
    void refusesToEncodeWhatCouldNotBeReadBack() {
        assertThatThrownBy(() -> codec.encode(new ShopperEvent.View(
                new EventHeader("e", TS, "u", "s", "{\"user_id\":\"other\"}"), "i", "c", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'user_id'");
        assertThatThrownBy(() -> codec.encode(new ShopperEvent.Click(
                new EventHeader("e", TS, "u", "s", "{\"request_id\":\"r\"}"), "i", "c", null, null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'request_id'");
        assertThatThrownBy(() -> codec.encode(new ShopperEvent.View(
                new EventHeader("e", TS, "u", "s", "[1]"), "i", "c", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> codec.encode(new ShopperEvent.View(header(), "i", "c", Double.NaN)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("finite");
    }

    @Test
    void extrasMayCarryFieldsOfOtherTypes() {
        ShopperEvent view = new ShopperEvent.View(
                new EventHeader("e", TS, "u", "s", "{\"request_id\":\"r\",\"quantity\":2}"), "i", "c", null);

        assertThat(accepted(codec.encodeToString(view))).isEqualTo(view);
    }

    // ------------------------------------------------------------------------------ robustness

    @Test
    void neverThrowsOnRandomBytes() {
        Random random = new Random(20250601);
        byte[] jsonish = "{}[]\":,0123456789.eE-+ \ntruefalsnul\\u".getBytes(UTF_8);
        for (int i = 0; i < 10_000; i++) {
            byte[] bytes = new byte[random.nextInt(200)];
            if (i % 2 == 0) {
                random.nextBytes(bytes);
            } else { // JSON's own alphabet reaches the parser instead of stopping at the UTF-8 check
                for (int j = 0; j < bytes.length; j++) {
                    bytes[j] = jsonish[random.nextInt(jsonish.length)];
                }
            }
            assertDecodesCleanly(bytes);
        }
    }

    @Test
    void neverThrowsOnMutatedEvents() {
        Random random = new Random(7);
        List<byte[]> valid = new ArrayList<>();
        EVENTS.forEach(e -> valid.add(codec.encode(e)));
        valid.add(Payload.view().set("meta", "{\"a\":[1,2.5,{\"b\":null}],\"c\":\"\\u00e9\"}").toString().getBytes(UTF_8));
        int accepted = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] mutated = mutate(valid.get(random.nextInt(valid.size())), random);
            if (assertDecodesCleanly(mutated) instanceof Decoded.Accepted) {
                accepted++;
            }
        }
        // Some mutations (a digit in an id, a flipped letter in a value) leave a valid event; most do not.
        assertThat(accepted).isBetween(100, 9_000);
    }

    private Decoded assertDecodesCleanly(byte[] bytes) {
        Decoded decoded = codec.decode(bytes);
        assertThat(decoded).as(() -> "decode(" + Arrays.toString(bytes) + ")").isNotNull();
        if (decoded instanceof Decoded.Rejected rejected) {
            // The catch-all in decode is a safety net; hitting it means a failure class went unnamed.
            assertThat(rejected.detail()).as(new String(bytes, UTF_8)).doesNotStartWith("unexpected");
        } else if (decoded instanceof Decoded.Accepted ok) {
            assertThat(codec.decode(codec.encode(ok.event()))).as(new String(bytes, UTF_8)).isEqualTo(decoded);
        }
        return decoded;
    }

    private static byte[] mutate(byte[] original, Random random) {
        byte[] bytes = original.clone();
        switch (random.nextInt(4)) {
            case 0 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
            case 1 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
            case 2 -> {
                int at = random.nextInt(bytes.length + 1);
                byte[] inserted = new byte[1 + random.nextInt(4)];
                random.nextBytes(inserted);
                if (random.nextBoolean()) { // ASCII, so the parser sees it
                    for (int j = 0; j < inserted.length; j++) {
                        inserted[j] &= 0x7f;
                    }
                }
                bytes = concat(Arrays.copyOf(bytes, at), inserted, Arrays.copyOfRange(bytes, at, bytes.length));
            }
            default -> {
                int from = random.nextInt(bytes.length);
                int to = Math.min(bytes.length, from + 1 + random.nextInt(8));
                bytes = concat(Arrays.copyOf(bytes, from), Arrays.copyOfRange(bytes, to, bytes.length));
            }
        }
        return bytes;
    }

    // ------------------------------------------------------------------------------ helpers

    @ParameterizedTest
    @ValueSource(strings = {"view", "search", "click", "add_to_cart", "remove_from_cart", "add_to_wishlist",
            "purchase", "return"})
    void samplePayloadsAreValid(String type) {
        assertThat(accepted(Payload.ofType(type).toString()).type().wireName()).isEqualTo(type);
    }

    private ShopperEvent accepted(String json) {
        Decoded decoded = codec.decode(json.getBytes(UTF_8));
        assertThat(decoded).as(json).isInstanceOf(Decoded.Accepted.class);
        return ((Decoded.Accepted) decoded).event();
    }

    private static EventHeader header() {
        return new EventHeader("e", TS, "u", "s");
    }

    private static Arguments row(RejectReason reason, String payload, String detailFragment) {
        return row(reason, payload.getBytes(UTF_8), detailFragment);
    }

    private static Arguments row(RejectReason reason, byte[] payload, String detailFragment) {
        String preview = new String(payload, UTF_8);
        preview = preview.length() > 60 ? preview.substring(0, 60) + "..." : preview;
        return arguments(reason, payload, detailFragment, preview);
    }

    private static byte[] withBytesInUserId(int... raw) {
        String json = Payload.view().toString();
        int at = json.indexOf("\"u-1\"") + 2; // after "u
        byte[] inserted = new byte[raw.length];
        for (int i = 0; i < raw.length; i++) {
            inserted[i] = (byte) raw[i];
        }
        byte[] bytes = json.getBytes(UTF_8);
        return concat(Arrays.copyOf(bytes, at), inserted, Arrays.copyOfRange(bytes, at, bytes.length));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
