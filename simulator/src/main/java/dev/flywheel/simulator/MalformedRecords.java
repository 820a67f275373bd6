package dev.flywheel.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.RejectReason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Turns a valid event into the kinds of broken record real producers send, each paired with the
 * reason {@link EventCodec} must give. The simulator mixes them into its stream so the dead-letter
 * path is exercised with known counts per reason.
 *
 * <p>Each kind breaks one thing and leaves every field the codec checks earlier intact, so the
 * expected reason holds for any input that the same codec accepts (its timestamp not in the codec's
 * future, in particular), as long as the codec keeps the default payload limit. Kinds that need a field
 * the input's type lacks change the type: a quantity turns a view into an add_to_cart, a price turns
 * a search into a view, too many results turn anything into a search; the fields the new type
 * does not know stay behind as harmless extras.
 */
public final class MalformedRecords {

    public enum Kind {
        EMPTY(RejectReason.EMPTY_PAYLOAD),
        WHITESPACE_ONLY(RejectReason.EMPTY_PAYLOAD),
        OVERSIZED(RejectReason.OVERSIZED_PAYLOAD),
        INVALID_UTF8(RejectReason.INVALID_UTF8),
        /** A binary record (Avro, protobuf) sent to the JSON topic. */
        RANDOM_BYTES(RejectReason.INVALID_UTF8),
        TRUNCATED(RejectReason.MALFORMED_JSON),
        /** What Python's json.dumps writes for float('nan'). */
        NAN_LITERAL(RejectReason.MALFORMED_JSON),
        /** A Python dict's repr instead of JSON. */
        SINGLE_QUOTES(RejectReason.MALFORMED_JSON),
        /** A proxy's error page forwarded as the record body. */
        HTML_ERROR_PAGE(RejectReason.MALFORMED_JSON),
        TRAILING_GARBAGE(RejectReason.TRAILING_CONTENT),
        /** Two events in one record: a batching bug. */
        CONCATENATED_EVENTS(RejectReason.TRAILING_CONTENT),
        DEEP_NESTING(RejectReason.NESTING_TOO_DEEP),
        DUPLICATE_KEY(RejectReason.DUPLICATE_FIELD),
        /** A batch sent as one record. */
        JSON_ARRAY(RejectReason.NOT_AN_OBJECT),
        /** The event serialised twice, arriving as a JSON string. */
        JSON_STRING(RejectReason.NOT_AN_OBJECT),
        JSON_NULL(RejectReason.NOT_AN_OBJECT),
        MISSING_USER_ID(RejectReason.MISSING_FIELD),
        MISSING_TYPE(RejectReason.MISSING_FIELD),
        NULL_SESSION_ID(RejectReason.MISSING_FIELD),
        WRONG_TYPE_TS_STRING(RejectReason.WRONG_TYPE),
        FRACTIONAL_QUANTITY(RejectReason.WRONG_TYPE),
        PRICE_AS_STRING(RejectReason.WRONG_TYPE),
        NUMERIC_USER_ID(RejectReason.WRONG_TYPE),
        BLANK_SESSION_ID(RejectReason.BLANK_FIELD),
        LONG_USER_ID(RejectReason.FIELD_TOO_LONG),
        UNKNOWN_TYPE(RejectReason.UNKNOWN_EVENT_TYPE),
        TS_ZERO(RejectReason.TIMESTAMP_NOT_POSITIVE),
        TS_NEGATIVE(RejectReason.TIMESTAMP_NOT_POSITIVE),
        TS_SECONDS(RejectReason.TIMESTAMP_TOO_OLD),
        TS_MICROSECONDS(RejectReason.TIMESTAMP_IN_FUTURE),
        TS_FAR_FUTURE(RejectReason.TIMESTAMP_IN_FUTURE),
        TS_BEYOND_LONG(RejectReason.NUMBER_OUT_OF_RANGE),
        QUANTITY_TOO_LARGE(RejectReason.NUMBER_OUT_OF_RANGE),
        PRICE_OVERFLOW_INFINITY(RejectReason.NON_FINITE_NUMBER),
        NEGATIVE_PRICE(RejectReason.NEGATIVE_PRICE),
        ZERO_QUANTITY(RejectReason.NON_POSITIVE_QUANTITY),
        TOO_MANY_RESULTS(RejectReason.TOO_MANY_RESULTS),
        UNPAIRED_SURROGATE(RejectReason.UNPAIRED_SURROGATE);

        private final RejectReason expectedReason;

        Kind(RejectReason expectedReason) {
            this.expectedReason = expectedReason;
        }

        public RejectReason expectedReason() {
            return expectedReason;
        }
    }

    private static final Kind[] KINDS = Kind.values();
    private static final Set<String> QUANTITY_TYPES = Set.of("add_to_cart", "remove_from_cart", "purchase", "return");
    /** 2999-01-01T00:00Z in epoch ms. */
    private static final long YEAR_2999 = 32_472_144_000_000L;
    /** Stands in for a value Jackson will not write (NaN, 1e400, a lone surrogate) until spliced in. */
    private static final String RAW_PLACEHOLDER = "@@flywheel-raw-value@@";
    private static final byte[][] INVALID_UTF8_SEQUENCES = {
            {(byte) 0xff},                                     // never valid
            {(byte) 0x80},                                     // continuation byte without a lead
            {(byte) 0xc0, (byte) 0xaf},                        // overlong '/'
            {(byte) 0xed, (byte) 0xa0, (byte) 0x80},           // a surrogate encoded directly (CESU-8)
            {(byte) 0xe2, (byte) 0x82},                        // three-byte sequence cut short
            {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
            {(byte) 0xe9},                                     // Latin-1 'é' sent as is
    };
    private static final String[] TRAILERS = {"x", "}", "]", ",", ",{}", "\u0000", " garbage", "\n{"};
    private static final String[] UNKNOWN_TYPES = {"page_view", "VIEW", "checkout", "add-to-cart", "buy", "pv"};
    private static final byte[] HTML_ERROR_PAGE = ("<html><head><title>502 Bad Gateway</title></head>"
            + "<body><center><h1>502 Bad Gateway</h1></center></body></html>\n").getBytes(StandardCharsets.UTF_8);

    /** Exact numbers, so a price of 1.10 or an extra of 1e400 passes through unchanged. */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    private MalformedRecords() {
    }

    /** Kinds in a fixed rotation, so any run of {@code Kind.values().length} indices covers them all. */
    public static Kind kindFor(long index) {
        return KINDS[(int) Math.floorMod(index, (long) KINDS.length)];
    }

    /**
     * @param validEventJson an event the codec accepts, of any type
     * @param rnd            picks positions and variants; the same seed gives the same bytes
     * @throws IllegalArgumentException if the input is not a JSON object
     */
    public static byte[] corrupt(Kind kind, byte[] validEventJson, RandomGenerator rnd) {
        return switch (kind) {
            case EMPTY -> new byte[0];
            case WHITESPACE_ONLY -> whitespace(1 + rnd.nextInt(64), rnd);
            case OVERSIZED -> oversized(event(validEventJson));
            case INVALID_UTF8 -> invalidUtf8InUserId(event(validEventJson), rnd);
            case RANDOM_BYTES -> randomBinary(rnd);
            case TRUNCATED -> truncated(compact(event(validEventJson)), rnd);
            case NAN_LITERAL -> withRaw(withPrice(event(validEventJson)), "price", rnd.nextBoolean() ? "NaN" : "Infinity");
            case SINGLE_QUOTES -> text(event(validEventJson)).replace('"', '\'').getBytes(StandardCharsets.UTF_8);
            case HTML_ERROR_PAGE -> HTML_ERROR_PAGE.clone();
            case TRAILING_GARBAGE -> concat(compact(event(validEventJson)),
                    TRAILERS[rnd.nextInt(TRAILERS.length)].getBytes(StandardCharsets.UTF_8));
            case CONCATENATED_EVENTS -> concat(compact(event(validEventJson)), compact(event(validEventJson)));
            case DEEP_NESTING -> deeplyNested(event(validEventJson), rnd);
            case DUPLICATE_KEY -> duplicateKey(event(validEventJson), rnd);
            case JSON_ARRAY -> concat(bytes("["), compact(event(validEventJson)), bytes("]"));
            case JSON_STRING -> compact(MAPPER.getNodeFactory().textNode(text(event(validEventJson))));
            case JSON_NULL -> bytes("null");
            case MISSING_USER_ID -> compact(without(event(validEventJson), "user_id"));
            case MISSING_TYPE -> compact(without(event(validEventJson), "type"));
            case NULL_SESSION_ID -> compact(event(validEventJson).putNull("session_id"));
            case WRONG_TYPE_TS_STRING -> {
                ObjectNode event = event(validEventJson);
                yield compact(event.put("ts", event.get("ts").asText()));
            }
            case FRACTIONAL_QUANTITY -> compact(withQuantity(event(validEventJson)).put("quantity", 0.5 + rnd.nextInt(5)));
            case PRICE_AS_STRING -> compact(withPrice(event(validEventJson)).put("price", "19.99"));
            case NUMERIC_USER_ID -> compact(event(validEventJson).put("user_id", 1 + rnd.nextInt(1_000_000)));
            case BLANK_SESSION_ID -> compact(event(validEventJson).put("session_id", rnd.nextBoolean() ? "" : "  \t "));
            case LONG_USER_ID -> compact(event(validEventJson)
                    .put("user_id", "u".repeat(EventCodec.MAX_STRING_LENGTH + 1 + rnd.nextInt(100))));
            case UNKNOWN_TYPE -> compact(event(validEventJson).put("type", UNKNOWN_TYPES[rnd.nextInt(UNKNOWN_TYPES.length)]));
            case TS_ZERO -> compact(event(validEventJson).put("ts", 0));
            case TS_NEGATIVE -> compact(event(validEventJson).put("ts", -1 - rnd.nextLong(EventCodec.MIN_TS)));
            case TS_SECONDS -> {
                ObjectNode event = event(validEventJson);
                yield compact(event.put("ts", event.get("ts").asLong() / 1000));
            }
            case TS_MICROSECONDS -> {
                ObjectNode event = event(validEventJson);
                yield compact(event.put("ts", Math.multiplyExact(event.get("ts").asLong(), 1000L)));
            }
            case TS_FAR_FUTURE -> compact(event(validEventJson).put("ts", YEAR_2999 + rnd.nextInt(1_000_000)));
            case TS_BEYOND_LONG -> compact(event(validEventJson)
                    .put("ts", BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.valueOf(1 + rnd.nextInt(1000)))));
            case QUANTITY_TOO_LARGE -> compact(withQuantity(event(validEventJson))
                    .put("quantity", EventCodec.MAX_QUANTITY + 1 + rnd.nextInt(1_000_000)));
            case PRICE_OVERFLOW_INFINITY -> withRaw(withPrice(event(validEventJson)), "price",
                    rnd.nextBoolean() ? "1e400" : "-1e999");
            case NEGATIVE_PRICE -> compact(withPrice(event(validEventJson)).put("price", -0.01 - rnd.nextInt(100)));
            case ZERO_QUANTITY -> compact(withQuantity(event(validEventJson)).put("quantity", 0));
            case TOO_MANY_RESULTS -> tooManyResults(event(validEventJson), rnd);
            case UNPAIRED_SURROGATE -> withRaw(event(validEventJson), "user_id",
                    rnd.nextBoolean() ? "\"u-\\ud83d\"" : "\"\\udc00-u\"");
        };
    }

    private static byte[] whitespace(int length, RandomGenerator rnd) {
        byte[] spaces = {' ', '\t', '\n', '\r'};
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = spaces[rnd.nextInt(spaces.length)];
        }
        return bytes;
    }

    private static byte[] oversized(ObjectNode event) {
        int padding = EventCodec.DEFAULT_MAX_PAYLOAD_BYTES + 1 - compact(event).length;
        return compact(event.put("padding", "x".repeat(Math.max(1, padding))));
    }

    /** Bad bytes inside the user_id string, so the JSON around them is intact. */
    private static byte[] invalidUtf8InUserId(ObjectNode event, RandomGenerator rnd) {
        byte[] json = compact(event.put("user_id", RAW_PLACEHOLDER));
        int at = indexOf(json, bytes(RAW_PLACEHOLDER));
        byte[] bad = INVALID_UTF8_SEQUENCES[rnd.nextInt(INVALID_UTF8_SEQUENCES.length)];
        return concat(Arrays.copyOf(json, at), bytes("u-"), bad, Arrays.copyOfRange(json, at + RAW_PLACEHOLDER.length(), json.length));
    }

    private static byte[] randomBinary(RandomGenerator rnd) {
        byte[] bytes = new byte[1 + rnd.nextInt(512)];
        rnd.nextBytes(bytes);
        bytes[rnd.nextInt(bytes.length)] = (byte) 0xff; // never valid UTF-8, whatever the rest is
        return bytes;
    }

    /** Cut before the closing brace and at a character boundary, so the prefix is valid UTF-8 but never a whole object. */
    private static byte[] truncated(byte[] json, RandomGenerator rnd) {
        int cut = 1 + rnd.nextInt(json.length - 1);
        while ((json[cut] & 0xc0) == 0x80) {
            cut--;
        }
        return Arrays.copyOf(json, cut);
    }

    private static byte[] deeplyNested(ObjectNode event, RandomGenerator rnd) {
        int levels = EventCodec.MAX_NESTING_DEPTH + rnd.nextInt(50);
        ArrayNode outer = event.putArray("nested");
        ArrayNode inner = outer;
        for (int i = 1; i < levels; i++) {
            inner = inner.addArray();
        }
        inner.add("bottom");
        return compact(event);
    }

    /** Repeats one of the event's own keys, with a different value, as its first field. */
    private static byte[] duplicateKey(ObjectNode event, RandomGenerator rnd) {
        List<String> names = new ArrayList<>();
        event.fieldNames().forEachRemaining(names::add);
        String name = names.get(rnd.nextInt(names.size()));
        byte[] json = compact(event);
        return concat(bytes("{\"" + name + "\":\"duplicate\","), Arrays.copyOfRange(json, 1, json.length));
    }

    private static byte[] tooManyResults(ObjectNode event, RandomGenerator rnd) {
        event.put("type", "search");
        putIfMissing(event, "query", "malformed query");
        putIfMissing(event, "request_id", "r-malformed");
        ArrayNode results = event.putArray("results");
        int count = EventCodec.MAX_RESULTS + 1 + rnd.nextInt(100);
        for (int i = 0; i < count; i++) {
            results.add("i-" + i);
        }
        return compact(event);
    }

    /** The event, turned into an add_to_cart if its type has no quantity. */
    private static ObjectNode withQuantity(ObjectNode event) {
        if (!QUANTITY_TYPES.contains(event.path("type").asText())) {
            event.put("type", "add_to_cart");
            putItemFields(event);
        }
        return event;
    }

    /** The event, turned into a view if its type has no price (only searches lack one). */
    private static ObjectNode withPrice(ObjectNode event) {
        if ("search".equals(event.path("type").asText())) {
            event.put("type", "view");
            putItemFields(event);
        }
        return event;
    }

    private static void putItemFields(ObjectNode event) {
        putIfMissing(event, "item_id", "i-malformed");
        putIfMissing(event, "category", "c-malformed");
    }

    private static void putIfMissing(ObjectNode event, String field, String value) {
        if (event.path(field).isMissingNode() || event.get(field).isNull()) {
            event.put(field, value);
        }
    }

    private static ObjectNode without(ObjectNode event, String field) {
        event.remove(field);
        return event;
    }

    /** Sets a field to literal JSON text that Jackson would refuse to write. */
    private static byte[] withRaw(ObjectNode event, String field, String rawJson) {
        return text(event.put(field, RAW_PLACEHOLDER))
                .replace("\"" + RAW_PLACEHOLDER + "\"", rawJson)
                .getBytes(StandardCharsets.UTF_8);
    }

    private static ObjectNode event(byte[] json) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not valid event JSON: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        return (ObjectNode) node;
    }

    private static String text(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] compact(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("placeholder not found");
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
