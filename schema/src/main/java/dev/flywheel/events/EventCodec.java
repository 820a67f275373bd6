package dev.flywheel.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * JSON &lt;-&gt; {@link ShopperEvent}: the one place that decides whether a record honours the event
 * contract ({@code docs/events.md}).
 *
 * <p>{@link #decode} never throws: every input ends as {@link Decoded.Accepted} or as
 * {@link Decoded.Rejected} with a {@link RejectReason} and a detail naming the field. It checks in
 * a fixed order and reports the first failure:
 * <ol>
 *   <li>size: {@code EMPTY_PAYLOAD} (no bytes), {@code OVERSIZED_PAYLOAD}, {@code EMPTY_PAYLOAD}
 *       (only whitespace);</li>
 *   <li>encoding: {@code INVALID_UTF8};</li>
 *   <li>parsing, reading left to right and reporting the first problem met:
 *       {@code MALFORMED_JSON}, {@code DUPLICATE_FIELD}, {@code NESTING_TOO_DEEP},
 *       {@code UNPAIRED_SURROGATE}, then {@code TRAILING_CONTENT} after the value;</li>
 *   <li>shape: {@code NOT_AN_OBJECT};</li>
 *   <li>fields in wire order, every rule of one field before the next field: {@code event_id},
 *       {@code type}, {@code ts}, {@code user_id}, {@code session_id}, then the type's own fields
 *       in the order {@link #encode} writes them.</li>
 * </ol>
 *
 * <p>Unknown fields, including fields that belong to another event type, are kept in
 * {@link EventHeader#extras()} as compact JSON (numbers keep their literal text) and written back
 * by {@link #encode}, so {@code decode(encode(e))} equals {@code e} and re-encoding a record keeps
 * every field a newer producer added.
 *
 * <p>Plain payloads, the usual flat object, are read by {@link PlainJsonReader}; everything else,
 * and every problem, by Jackson's streaming API. An instance holds nothing but immutable
 * configuration and a thread-safe {@link JsonFactory}, so it may be shared between threads.
 */
public final class EventCodec {
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;
    /** The top-level object is level 1. */
    public static final int MAX_NESTING_DEPTH = 16;
    public static final int MAX_STRING_LENGTH = 256;
    public static final int MAX_QUERY_LENGTH = 1024;
    public static final int MAX_RESULTS = 1000;
    public static final int MAX_QUANTITY = 10_000;
    public static final double MAX_PRICE = 1e9;
    /** 2000-01-01T00:00Z: anything earlier is almost always epoch seconds sent as milliseconds. */
    public static final long MIN_TS = 946_684_800_000L;
    /** How far ahead of the codec's clock an event time may be: producers' clocks drift. */
    public static final Duration MAX_FUTURE_SKEW = Duration.ofHours(24);

    static final String EVENT_ID = "event_id";
    static final String TYPE = "type";
    static final String TS = "ts";
    static final String USER_ID = "user_id";
    static final String SESSION_ID = "session_id";
    static final String ITEM_ID = "item_id";
    static final String CATEGORY = "category";
    static final String PRICE = "price";
    static final String QUANTITY = "quantity";
    static final String QUERY = "query";
    static final String REQUEST_ID = "request_id";
    static final String RESULTS = "results";
    static final String ORDER_ID = "order_id";

    private static final Set<String> COMMON_FIELDS = Set.of(EVENT_ID, TYPE, TS, USER_ID, SESSION_ID);
    private static final Map<EventType, Set<String>> TYPE_FIELDS = typeFields();
    /** The contract's field names, in the order of their {@link #slot}s; the five common ones come first. */
    static final List<String> KNOWN_FIELDS = List.of(EVENT_ID, TYPE, TS, USER_ID, SESSION_ID, ITEM_ID,
            CATEGORY, PRICE, QUANTITY, QUERY, REQUEST_ID, RESULTS, ORDER_ID);
    private static final int COMMON_SLOTS = 0b11111;
    /** Per event type (by ordinal), a bit for the slot of each field the type defines. */
    private static final int[] TYPE_SLOTS = typeSlots();
    private static final List<String> WIRE_NAMES = Arrays.stream(EventType.values()).map(EventType::wireName).toList();
    private static final int MAX_DETAIL_LENGTH = 240;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** Noise Jackson puts inside nested locations when it is told not to echo the input. */
    private static final String REDACTED_SOURCE = "Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); ";

    private final Clock clock;
    private final int maxPayloadBytes;
    private final JsonFactory json;

    public EventCodec() {
        this(Clock.systemUTC(), DEFAULT_MAX_PAYLOAD_BYTES);
    }

    public EventCodec(Clock clock, int maxPayloadBytes) {
        if (maxPayloadBytes <= 0) {
            throw new IllegalArgumentException("maxPayloadBytes must be positive, got " + maxPayloadBytes);
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxPayloadBytes = maxPayloadBytes;
        // Jackson's other defaults are already strict: no NaN, comments, single quotes, leading
        // zeros or raw control characters; numbers longer than 1000 characters are refused, which
        // also bounds the BigDecimal work in wholeNumber.
        this.json = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    }

    public Decoded decode(byte[] bytes) {
        return decode(bytes, Reader.PLAIN_THEN_JACKSON);
    }

    /**
     * Which grammar turns bytes into fields. {@link #decode} reads with {@link PlainJsonReader}
     * and falls back to Jackson; the other two exist so a test can hold the grammars together.
     */
    enum Reader {
        PLAIN_THEN_JACKSON,
        /** The fast path alone: {@link #decode(byte[], Reader)} returns null where it gives up. */
        PLAIN_ONLY,
        JACKSON_ONLY
    }

    /** {@link #decode} through the given reader; null only for {@link Reader#PLAIN_ONLY} on a payload it leaves to Jackson. */
    Decoded decode(byte[] bytes, Reader reader) {
        try {
            checkSize(bytes);
            boolean ascii = checkUtf8(bytes);
            // Nearly every record is plain JSON, which a dedicated scan reads several times faster
            // than Jackson; anything else, including every malformed record, is read by Jackson.
            Fields fields = reader == Reader.JACKSON_ONLY ? null : PlainJsonReader.read(bytes, ascii);
            if (fields == null) {
                if (reader == Reader.PLAIN_ONLY) {
                    return null;
                }
                fields = readObject(bytes);
            }
            return new Decoded.Accepted(toEvent(fields));
        } catch (Rejection r) {
            return new Decoded.Rejected(r.reason, r.getMessage());
        } catch (IOException | RuntimeException e) {
            // Not expected from in-memory input, but a poison pill must never escape.
            return new Decoded.Rejected(RejectReason.MALFORMED_JSON, cut("unexpected decoding failure: " + e));
        }
    }

    /**
     * Writes the event in wire order. Does not validate field values (a producer bug shows up at
     * decode), but refuses what could not be read back at all.
     *
     * @throws IllegalArgumentException if the price is not finite, or the extras are not a JSON
     *                                  object or redefine a field of the event's type
     */
    public byte[] encode(ShopperEvent event) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = json.createGenerator(out)) {
            write(event, g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@link #encode} as text, for logs, tests and the late-events topic. */
    public String encodeToString(ShopperEvent event) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = json.createGenerator(out)) {
            write(event, g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- reading: bytes to raw fields

    /**
     * One top-level value as read.
     *
     * @param name    the field's name
     * @param text    a string's value, a number's literal, or an array's or object's compact JSON;
     *                null for an array of strings only, which {@code strings} holds
     * @param strings for an array, each element's string, or null where the element is not one
     */
    record RawValue(String name, JsonToken token, String text, List<String> strings) {
    }

    /** The top-level fields of one payload: a map from name to value without hashing every name. */
    static final class Fields {
        /** The contract's fields by {@link #slot}. */
        private final RawValue[] known = new RawValue[KNOWN_FIELDS.size()];
        /** Every field but the common ones, in arrival order: the candidates for extras. */
        private final List<RawValue> others = new ArrayList<>(8);
        /** A bit for each filled slot. */
        private int present;
        /** The names of {@link #others}, once there are too many to compare one by one. */
        private Set<String> otherNames;

        RawValue get(String name) {
            return known[slot(name)];
        }

        /**
         * @param slot {@code slot(value.name())}
         * @return false, adding nothing, if a field of that name is already there
         */
        boolean add(int slot, RawValue value) {
            if (slot >= 0) {
                if (known[slot] != null) {
                    return false;
                }
                known[slot] = value;
                present |= 1 << slot;
            } else if (isOther(value.name())) {
                return false;
            }
            if (slot < 0 || (COMMON_SLOTS & 1 << slot) == 0) {
                others.add(value);
                if (otherNames != null) {
                    otherNames.add(value.name());
                }
            }
            return true;
        }

        /** Few fields are not the type's own: comparing beats hashing names until there are many. */
        private boolean isOther(String name) {
            if (otherNames == null && others.size() > 16) {
                otherNames = new HashSet<>();
                others.forEach(other -> otherNames.add(other.name()));
            }
            if (otherNames != null) {
                return otherNames.contains(name);
            }
            for (RawValue other : others) {
                if (other.name().equals(name)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The slot of a contract field in {@link Fields}, or -1; {@link #KNOWN_FIELDS} lists them in order. */
    static int slot(String name) {
        return switch (name) {
            case EVENT_ID -> 0;
            case TYPE -> 1;
            case TS -> 2;
            case USER_ID -> 3;
            case SESSION_ID -> 4;
            case ITEM_ID -> 5;
            case CATEGORY -> 6;
            case PRICE -> 7;
            case QUANTITY -> 8;
            case QUERY -> 9;
            case REQUEST_ID -> 10;
            case RESULTS -> 11;
            case ORDER_ID -> 12;
            default -> -1;
        };
    }

    /** Size and encoding are checked before. */
    private Fields readObject(byte[] bytes) throws Rejection, IOException {
        try (JsonParser p = json.createParser(bytes)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new Rejection(RejectReason.EMPTY_PAYLOAD, "payload holds no JSON value");
            }
            if (first != JsonToken.START_OBJECT) {
                if (first == JsonToken.START_ARRAY) {
                    readArray(p, "(top level)");
                } else if (first == JsonToken.VALUE_STRING) {
                    p.getText(); // Jackson reads strings lazily: an unclosed one must fail here as syntax
                }
                checkNothingAfter(p);
                throw new Rejection(RejectReason.NOT_AN_OBJECT,
                        "payload is " + describe(first) + ", expected a JSON object");
            }
            Fields fields = new Fields();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                requirePairedSurrogates(name, "field name '", name);
                // Jackson has already refused a duplicate.
                fields.add(slot(name), readValue(p, p.nextToken(), name));
            }
            checkNothingAfter(p);
            return fields;
        } catch (JsonProcessingException e) {
            throw syntaxRejection(e);
        }
    }

    private void checkSize(byte[] bytes) throws Rejection {
        if (bytes == null || bytes.length == 0) {
            throw new Rejection(RejectReason.EMPTY_PAYLOAD, "payload is empty");
        }
        if (bytes.length > maxPayloadBytes) {
            throw new Rejection(RejectReason.OVERSIZED_PAYLOAD,
                    "payload is " + bytes.length + " bytes, limit is " + maxPayloadBytes);
        }
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return;
            }
        }
        throw new Rejection(RejectReason.EMPTY_PAYLOAD, "payload is only whitespace");
    }

    /**
     * Jackson's own UTF-8 reader accepts overlong forms and encoded surrogates, so the bytes are
     * checked by the JDK decoder first. Pure ASCII, the common case, skips the decoder.
     *
     * @return whether the bytes are pure ASCII
     */
    private static boolean checkUtf8(byte[] bytes) throws Rejection {
        if (isAscii(bytes)) {
            return true;
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CoderResult result = decoder.decode(in, CharBuffer.allocate(bytes.length), true);
        if (result.isError()) {
            throw new Rejection(RejectReason.INVALID_UTF8,
                    "payload is not valid UTF-8 at byte " + in.position() + " (" + hexAround(bytes, in.position()) + ")");
        }
        return false;
    }

    /** Eight bytes at a time: no byte of an ASCII text has its top bit set. */
    private static boolean isAscii(byte[] bytes) {
        int i = 0;
        for (; i + Long.BYTES <= bytes.length; i += Long.BYTES) {
            if (((long) LONGS.get(bytes, i) & 0x8080_8080_8080_8080L) != 0) {
                return false;
            }
        }
        for (; i < bytes.length; i++) {
            if (bytes[i] < 0) {
                return false;
            }
        }
        return true;
    }

    private RawValue readValue(JsonParser p, JsonToken token, String field) throws Rejection, IOException {
        switch (token) {
            case VALUE_STRING -> {
                String text = p.getText();
                requirePairedSurrogates(text, "field '", field);
                return new RawValue(field, token, text, null);
            }
            // The literal text, not a parsed value: extras keep 1.10 and 1e400 exactly as sent.
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return new RawValue(field, token, p.getText(), null);
            }
            case VALUE_TRUE, VALUE_FALSE, VALUE_NULL -> {
                return new RawValue(field, token, null, null);
            }
            case START_ARRAY -> {
                return readArray(p, field);
            }
            case START_OBJECT -> {
                StringWriter text = new StringWriter(64);
                try (JsonGenerator g = json.createGenerator(text)) {
                    copyStructure(p, g, field, null, 0);
                }
                return new RawValue(field, token, text.toString(), null);
            }
            default -> throw new Rejection(RejectReason.MALFORMED_JSON, "unexpected " + token + " in field '" + field + "'");
        }
    }

    /**
     * Reads an array, positioned on its start. Search results, the array that matters, hold only
     * strings: those are kept as a list without building JSON text, which extras() writes only
     * if the array turns out to be unknown to the event's type.
     */
    private RawValue readArray(JsonParser p, String field) throws Rejection, IOException {
        List<String> strings = new ArrayList<>();
        JsonToken token;
        while ((token = p.nextToken()) == JsonToken.VALUE_STRING) {
            String element = p.getText();
            requirePairedSurrogates(element, "a string inside '", field);
            strings.add(element);
        }
        if (token == JsonToken.END_ARRAY) {
            return new RawValue(field, JsonToken.START_ARRAY, null, strings);
        }
        StringWriter text = new StringWriter(64);
        try (JsonGenerator g = json.createGenerator(text)) {
            g.writeStartArray();
            for (String element : strings) {
                g.writeString(element);
            }
            copyStructure(p, g, field, strings, 1);
        }
        return new RawValue(field, JsonToken.START_ARRAY, text.toString(), strings);
    }

    /**
     * Copies tokens from the current one until {@code level} structures have closed. Token by token
     * rather than {@code copyCurrentStructure}, which parses floats and would turn 1e400 into
     * Infinity; on the way it enforces the nesting limit and well-formed text.
     *
     * @param elementStrings when not null, receives each element at level 1 as in {@link RawValue}
     */
    private static void copyStructure(JsonParser p, JsonGenerator g, String field, List<String> elementStrings,
            int level) throws Rejection, IOException {
        JsonToken token = p.currentToken();
        while (true) {
            if (elementStrings != null && level == 1 && !token.isStructEnd()) {
                elementStrings.add(token == JsonToken.VALUE_STRING ? p.getText() : null);
            }
            switch (token) {
                case START_OBJECT, START_ARRAY -> {
                    if (p.getParsingContext().getNestingDepth() > MAX_NESTING_DEPTH) {
                        throw new Rejection(RejectReason.NESTING_TOO_DEEP,
                                "field '" + field + "' nests deeper than " + MAX_NESTING_DEPTH + " levels");
                    }
                    level++;
                    if (token == JsonToken.START_OBJECT) {
                        g.writeStartObject();
                    } else {
                        g.writeStartArray();
                    }
                }
                case END_OBJECT -> {
                    level--;
                    g.writeEndObject();
                }
                case END_ARRAY -> {
                    level--;
                    g.writeEndArray();
                }
                case FIELD_NAME -> {
                    requirePairedSurrogates(p.currentName(), "a field name inside '", field);
                    g.writeFieldName(p.currentName());
                }
                case VALUE_STRING -> {
                    requirePairedSurrogates(p.getText(), "a string inside '", field);
                    g.writeString(p.getText());
                }
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(p.getText());
                case VALUE_TRUE -> g.writeBoolean(true);
                case VALUE_FALSE -> g.writeBoolean(false);
                case VALUE_NULL -> g.writeNull();
                default -> throw new Rejection(RejectReason.MALFORMED_JSON, "unexpected " + token + " in '" + field + "'");
            }
            if (level == 0) {
                return;
            }
            token = p.nextToken();
            if (token == null) {
                throw new Rejection(RejectReason.MALFORMED_JSON, "'" + field + "' is not closed");
            }
        }
    }

    private static void checkNothingAfter(JsonParser p) throws Rejection {
        long end = p.currentLocation().getByteOffset();
        JsonToken after;
        try {
            after = p.nextToken();
        } catch (IOException e) {
            after = JsonToken.NOT_AVAILABLE;
        }
        if (after != null) {
            throw new Rejection(RejectReason.TRAILING_CONTENT, "content after the JSON value, which ends at byte " + end);
        }
    }

    /**
     * Jackson reads lazily, so a syntax error can surface from {@code getText()} as well as from
     * {@code nextToken()}; both end here. Duplicates have their own code, the rest are syntax.
     */
    private static Rejection syntaxRejection(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        // Jackson marks a duplicate only by this message; EventCodecTest pins it.
        if (message != null && message.startsWith("Duplicate field")) {
            return new Rejection(RejectReason.DUPLICATE_FIELD, cut(message + ": a key may appear only once"));
        }
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " at byte " + at.getByteOffset();
        String clean = message == null ? "" : message.replace(REDACTED_SOURCE, "");
        return new Rejection(RejectReason.MALFORMED_JSON, cut("malformed JSON" + where + ": " + clean));
    }

    /**
     * A lone surrogate escape such as {@code "\\ud800"} yields a string Java holds but UTF-8 cannot carry: encode would fail
     * and every consumer would see something different. Raw bytes cannot produce one, since the
     * UTF-8 check has passed, so only escapes reach here.
     *
     * @param whereStart with {@code name + "'"} names the place; joined only on failure
     */
    private static void requirePairedSurrogates(String text, String whereStart, String name) throws Rejection {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
                continue;
            }
            throw new Rejection(RejectReason.UNPAIRED_SURROGATE, cut(whereStart + name + "' holds an unpaired surrogate \\u"
                    + Integer.toHexString(c) + " at character " + i + "; it has no UTF-8 form"));
        }
    }

    // ------------------------------------------------------------ validating: raw fields to event

    private ShopperEvent toEvent(Fields fields) throws Rejection, IOException {
        String eventId = requiredString(fields, EVENT_ID, MAX_STRING_LENGTH);
        EventType type = eventType(fields);
        long ts = timestamp(fields);
        String userId = requiredString(fields, USER_ID, MAX_STRING_LENGTH);
        String sessionId = requiredString(fields, SESSION_ID, MAX_STRING_LENGTH);
        EventHeader header = new EventHeader(eventId, ts, userId, sessionId, extras(fields, type));
        return switch (type) {
            case VIEW -> new ShopperEvent.View(header, requiredString(fields, ITEM_ID, MAX_STRING_LENGTH),
                    requiredString(fields, CATEGORY, MAX_STRING_LENGTH), price(fields));
            case SEARCH -> {
                // Checked in wire order (query, request_id, results), not in the record's argument order.
                String query = requiredString(fields, QUERY, MAX_QUERY_LENGTH);
                String requestId = requiredString(fields, REQUEST_ID, MAX_STRING_LENGTH);
                yield new ShopperEvent.Search(header, query, results(fields), requestId);
            }
            case CLICK -> new ShopperEvent.Click(header, requiredString(fields, ITEM_ID, MAX_STRING_LENGTH),
                    requiredString(fields, CATEGORY, MAX_STRING_LENGTH), price(fields),
                    optionalString(fields, REQUEST_ID, MAX_STRING_LENGTH));
            case ADD_TO_CART -> new ShopperEvent.AddToCart(header, requiredString(fields, ITEM_ID, MAX_STRING_LENGTH),
                    requiredString(fields, CATEGORY, MAX_STRING_LENGTH), price(fields), quantity(fields));
            case REMOVE_FROM_CART -> new ShopperEvent.RemoveFromCart(header,
                    requiredString(fields, ITEM_ID, MAX_STRING_LENGTH),
                    requiredString(fields, CATEGORY, MAX_STRING_LENGTH), price(fields), quantity(fields));
            case ADD_TO_WISHLIST -> new ShopperEvent.AddToWishlist(header,
                    requiredString(fields, ITEM_ID, MAX_STRING_LENGTH),
                    requiredString(fields, CATEGORY, MAX_STRING_LENGTH), price(fields));
            case PURCHASE -> new ShopperEvent.Purchase(header, requiredString(fields, ORDER_ID, MAX_STRING_LENGTH),
                    requiredString(fields, ITEM_ID, MAX_STRING_LENGTH),
                    requiredString(fields, CATEGORY, MAX_STRING_LENGTH), price(fields), quantity(fields));
            case RETURN -> new ShopperEvent.Return(header, requiredString(fields, ORDER_ID, MAX_STRING_LENGTH),
                    requiredString(fields, ITEM_ID, MAX_STRING_LENGTH),
                    requiredString(fields, CATEGORY, MAX_STRING_LENGTH), price(fields), quantity(fields));
        };
    }

    private static RawValue required(Fields fields, String name) throws Rejection {
        RawValue value = fields.get(name);
        if (value == null) {
            throw new Rejection(RejectReason.MISSING_FIELD, "field '" + name + "' is missing");
        }
        if (value.token() == JsonToken.VALUE_NULL) {
            throw new Rejection(RejectReason.MISSING_FIELD, "field '" + name + "' is null");
        }
        return value;
    }

    /** JSON null counts as absent for optional fields. */
    private static RawValue optional(Fields fields, String name) {
        RawValue value = fields.get(name);
        return value == null || value.token() == JsonToken.VALUE_NULL ? null : value;
    }

    private static String requiredString(Fields fields, String name, int maxLength) throws Rejection {
        return checkedString(name, required(fields, name), maxLength);
    }

    private static String optionalString(Fields fields, String name, int maxLength) throws Rejection {
        RawValue value = optional(fields, name);
        return value == null ? null : checkedString(name, value, maxLength);
    }

    private static String checkedString(String name, RawValue value, int maxLength) throws Rejection {
        if (value.token() != JsonToken.VALUE_STRING) {
            throw wrongType(name, value, "a string");
        }
        return checkedText(name, -1, value.text(), maxLength);
    }

    /**
     * @param element for an array element its index, else -1; the detail is built only on failure
     */
    private static String checkedText(String name, int element, String text, int maxLength) throws Rejection {
        if (isBlank(text)) {
            throw new Rejection(RejectReason.BLANK_FIELD, what(name, element) + " is blank");
        }
        // Code points, as JSON Schema's maxLength counts them; length() is an upper bound.
        if (text.length() > maxLength && text.codePointCount(0, text.length()) > maxLength) {
            throw new Rejection(RejectReason.FIELD_TOO_LONG, what(name, element) + " has "
                    + text.codePointCount(0, text.length()) + " characters, limit is " + maxLength);
        }
        return text;
    }

    private static String what(String name, int element) {
        return element < 0 ? "field '" + name + "'" : "field '" + name + "' element " + element;
    }

    /**
     * Only ECMAScript's {@code \s} characters, the set JSON Schema patterns use, so codec and schema
     * agree; {@link String#isBlank()} differs on no-break spaces.
     */
    private static boolean isBlank(String text) {
        // The usual first character, printable ASCII, is no space of any kind.
        if (!text.isEmpty() && text.charAt(0) > ' ' && text.charAt(0) < 0x7f) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean space = switch (c) {
                case '\t', '\n', '\u000b', '\f', '\r', ' ', '\u00a0', '\u1680', '\u2028', '\u2029', '\u202f',
                        '\u205f', '\u3000', '\ufeff' -> true;
                default -> c >= '\u2000' && c <= '\u200a';
            };
            if (!space) {
                return false;
            }
        }
        return true;
    }

    private static EventType eventType(Fields fields) throws Rejection {
        String name = requiredString(fields, TYPE, MAX_STRING_LENGTH);
        return EventType.fromWireName(name).orElseThrow(() -> new Rejection(RejectReason.UNKNOWN_EVENT_TYPE,
                "field 'type' is '" + name + "', expected one of " + WIRE_NAMES));
    }

    private long timestamp(Fields fields) throws Rejection {
        long ts = wholeNumber(TS, required(fields, TS), false);
        if (ts <= 0) {
            throw new Rejection(RejectReason.TIMESTAMP_NOT_POSITIVE, "field 'ts' is " + ts + ", expected epoch milliseconds > 0");
        }
        if (ts < MIN_TS) {
            String hint = ts * 1000 >= MIN_TS
                    ? "; it looks like epoch seconds, ts must be epoch milliseconds"
                    : "; ts must be epoch milliseconds";
            throw new Rejection(RejectReason.TIMESTAMP_TOO_OLD, "field 'ts' is " + ts + " ("
                    + Instant.ofEpochMilli(ts) + "), before 2000-01-01T00:00Z" + hint);
        }
        long latest = clock.millis() + MAX_FUTURE_SKEW.toMillis();
        if (ts > latest) {
            throw new Rejection(RejectReason.TIMESTAMP_IN_FUTURE, "field 'ts' is " + ts + " (" + Instant.ofEpochMilli(ts)
                    + "), more than " + MAX_FUTURE_SKEW.toHours() + " h after now (" + Instant.ofEpochMilli(clock.millis()) + ")");
        }
        return ts;
    }

    private static int quantity(Fields fields) throws Rejection {
        long quantity = wholeNumber(QUANTITY, required(fields, QUANTITY), true);
        if (quantity <= 0) {
            throw new Rejection(RejectReason.NON_POSITIVE_QUANTITY, "field 'quantity' is " + quantity + ", expected at least 1");
        }
        if (quantity > MAX_QUANTITY) {
            throw new Rejection(RejectReason.NUMBER_OUT_OF_RANGE, "field 'quantity' is " + quantity + ", limit is " + MAX_QUANTITY);
        }
        return (int) quantity;
    }

    private static Double price(Fields fields) throws Rejection {
        RawValue value = optional(fields, PRICE);
        if (value == null) {
            return null;
        }
        if (!value.token().isNumeric()) {
            throw wrongType(PRICE, value, "a number");
        }
        double price = Double.parseDouble(value.text());
        if (Double.isInfinite(price)) {
            throw new Rejection(RejectReason.NON_FINITE_NUMBER, cut("field 'price' is " + value.text()
                    + ", which overflows a double to infinity"));
        }
        if (price < 0) {
            throw new Rejection(RejectReason.NEGATIVE_PRICE, "field 'price' is " + value.text() + ", expected 0 or more");
        }
        if (price > MAX_PRICE) {
            throw new Rejection(RejectReason.NUMBER_OUT_OF_RANGE, "field 'price' is " + value.text() + ", limit is 1e9");
        }
        return price;
    }

    /**
     * An integer that fits a long, or an int if {@code asInt}. A float literal is accepted when it has no fraction (2.0,
     * 1.7e12): JSON Schema counts those as integers, and some producers write every number as a
     * double.
     */
    private static long wholeNumber(String name, RawValue value, boolean asInt) throws Rejection {
        if (!value.token().isNumeric()) {
            throw wrongType(name, value, "an integer");
        }
        long number;
        if (value.token() == JsonToken.VALUE_NUMBER_INT) {
            try {
                number = Long.parseLong(value.text());
            } catch (NumberFormatException e) {
                throw outOfRange(name, value, asInt);
            }
        } else {
            BigDecimal decimal = decimalOrNull(value.text());
            if (decimal == null) {
                // The exponent is beyond what BigDecimal holds (about 2^31) while the literal has at
                // most 1,000 characters: the number is zero, a fraction nearer zero than any integer
                // but zero, or larger than any long.
                if (!hasNonZeroDigit(value.text())) {
                    decimal = BigDecimal.ZERO;
                } else if (hasNegativeExponent(value.text())) {
                    throw fraction(name, value);
                } else {
                    throw outOfRange(name, value, asInt);
                }
            }
            if (decimal.signum() != 0 && decimal.stripTrailingZeros().scale() > 0) {
                throw fraction(name, value);
            }
            try {
                number = decimal.longValueExact();
            } catch (ArithmeticException e) {
                throw outOfRange(name, value, asInt);
            }
        }
        if (asInt && number != (int) number) {
            throw outOfRange(name, value, asInt);
        }
        return number;
    }

    /** A JSON number literal as a BigDecimal, or null if its exponent is beyond BigDecimal's range. */
    private static BigDecimal decimalOrNull(String literal) {
        try {
            return new BigDecimal(literal);
        } catch (NumberFormatException exponentOverflow) {
            return null;
        }
    }

    /** Whether the mantissa of a JSON number literal has a digit other than 0. */
    private static boolean hasNonZeroDigit(String literal) {
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (c == 'e' || c == 'E') {
                return false;
            }
            if (c >= '1' && c <= '9') {
                return true;
            }
        }
        return false;
    }

    private static boolean hasNegativeExponent(String literal) {
        int e = Math.max(literal.indexOf('e'), literal.indexOf('E'));
        return e >= 0 && e + 1 < literal.length() && literal.charAt(e + 1) == '-';
    }

    private static Rejection fraction(String name, RawValue value) {
        return new Rejection(RejectReason.WRONG_TYPE, cut("field '" + name + "' is " + value.text()
                + ", a number with a fraction; expected an integer"));
    }

    private static List<String> results(Fields fields) throws Rejection {
        RawValue value = optional(fields, RESULTS);
        if (value == null) {
            return List.of();
        }
        if (value.token() != JsonToken.START_ARRAY) {
            throw wrongType(RESULTS, value, "an array of item ids");
        }
        List<String> ids = value.strings();
        if (ids.size() > MAX_RESULTS) {
            throw new Rejection(RejectReason.TOO_MANY_RESULTS,
                    "field 'results' has " + ids.size() + " item ids, limit is " + MAX_RESULTS);
        }
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            if (id == null) {
                throw new Rejection(RejectReason.WRONG_TYPE, "field 'results' element " + i + " is not a string");
            }
            checkedText(RESULTS, i, id, MAX_STRING_LENGTH);
        }
        return ids;
    }

    /** Fields the event's type does not define, in arrival order, or null when there are none. */
    private String extras(Fields fields, EventType type) throws IOException {
        int known = TYPE_SLOTS[type.ordinal()];
        if (fields.others.size() == Integer.bitCount(fields.present & known)) {
            return null; // the others are all the type's own fields
        }
        StringWriter text = null;
        JsonGenerator g = null;
        for (RawValue value : fields.others) {
            int slot = slot(value.name());
            if (slot >= 0 && (known & 1 << slot) != 0) {
                continue;
            }
            if (g == null) {
                text = new StringWriter(64);
                g = json.createGenerator(text);
                g.writeStartObject();
            }
            g.writeFieldName(value.name());
            switch (value.token()) {
                case VALUE_STRING -> g.writeString(value.text());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(value.text());
                case VALUE_TRUE -> g.writeBoolean(true);
                case VALUE_FALSE -> g.writeBoolean(false);
                case VALUE_NULL -> g.writeNull();
                default -> writeStructure(value, g);
            }
        }
        if (g == null) {
            return null;
        }
        g.writeEndObject();
        g.close();
        return text.toString();
    }

    private static void writeStructure(RawValue value, JsonGenerator g) throws IOException {
        if (value.text() != null) {
            g.writeRawValue(value.text());
            return;
        }
        g.writeStartArray();
        for (String element : value.strings()) {
            g.writeString(element);
        }
        g.writeEndArray();
    }

    // ----------------------------------------------------------------------------------- writing

    private void write(ShopperEvent event, JsonGenerator g) throws IOException {
        EventHeader header = event.header();
        g.writeStartObject();
        g.writeStringField(EVENT_ID, header.eventId());
        g.writeStringField(TYPE, event.type().wireName());
        g.writeNumberField(TS, header.ts());
        g.writeStringField(USER_ID, header.userId());
        g.writeStringField(SESSION_ID, header.sessionId());
        switch (event.type()) {
            case VIEW, ADD_TO_WISHLIST -> writeItem((ShopperEvent.ItemEvent) event, g);
            case SEARCH -> {
                ShopperEvent.Search search = (ShopperEvent.Search) event;
                g.writeStringField(QUERY, search.query());
                g.writeStringField(REQUEST_ID, search.requestId());
                g.writeArrayFieldStart(RESULTS);
                for (String itemId : search.results()) {
                    g.writeString(itemId);
                }
                g.writeEndArray();
            }
            case CLICK -> {
                ShopperEvent.Click click = (ShopperEvent.Click) event;
                writeItem(click, g);
                if (click.requestId() != null) {
                    g.writeStringField(REQUEST_ID, click.requestId());
                }
            }
            case ADD_TO_CART -> {
                writeItem((ShopperEvent.ItemEvent) event, g);
                g.writeNumberField(QUANTITY, ((ShopperEvent.AddToCart) event).quantity());
            }
            case REMOVE_FROM_CART -> {
                writeItem((ShopperEvent.ItemEvent) event, g);
                g.writeNumberField(QUANTITY, ((ShopperEvent.RemoveFromCart) event).quantity());
            }
            case PURCHASE -> {
                ShopperEvent.Purchase purchase = (ShopperEvent.Purchase) event;
                g.writeStringField(ORDER_ID, purchase.orderId());
                writeItem(purchase, g);
                g.writeNumberField(QUANTITY, purchase.quantity());
            }
            case RETURN -> {
                ShopperEvent.Return ret = (ShopperEvent.Return) event;
                g.writeStringField(ORDER_ID, ret.orderId());
                writeItem(ret, g);
                g.writeNumberField(QUANTITY, ret.quantity());
            }
        }
        if (header.extras() != null) {
            writeExtras(header.extras(), event.type(), g);
        }
        g.writeEndObject();
    }

    private static void writeItem(ShopperEvent.ItemEvent event, JsonGenerator g) throws IOException {
        g.writeStringField(ITEM_ID, event.itemId());
        g.writeStringField(CATEGORY, event.category());
        if (event.price() != null) {
            if (!Double.isFinite(event.price())) {
                throw new IllegalArgumentException("price must be finite, got " + event.price() + " in " + event.eventId());
            }
            g.writeNumberField(PRICE, event.price());
        }
    }

    /** Copies the extras' fields into the event object, refusing any that would shadow a contract field. */
    private void writeExtras(String extras, EventType type, JsonGenerator g) throws IOException {
        Set<String> known = TYPE_FIELDS.get(type);
        try (JsonParser p = json.createParser(extras)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("extras must be a JSON object: " + cut(extras));
            }
            JsonToken token;
            while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (COMMON_FIELDS.contains(name) || known.contains(name)) {
                    throw new IllegalArgumentException("extras redefine field '" + name + "' of " + type.wireName());
                }
                g.writeFieldName(name);
                JsonToken value = p.nextToken();
                if (value.isStructStart()) {
                    copyStructure(p, g, name, null, 0);
                } else if (value.isNumeric()) {
                    g.writeNumber(p.getText());
                } else {
                    g.copyCurrentEvent(p);
                }
            }
            if (token != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new IllegalArgumentException("extras must be exactly one JSON object: " + cut(extras));
            }
        } catch (Rejection r) {
            throw new IllegalArgumentException("extras are not valid: " + r.getMessage(), r);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("extras are not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    // ----------------------------------------------------------------------------------- helpers

    private static Map<EventType, Set<String>> typeFields() {
        Map<EventType, Set<String>> fields = new EnumMap<>(EventType.class);
        fields.put(EventType.VIEW, Set.of(ITEM_ID, CATEGORY, PRICE));
        fields.put(EventType.SEARCH, Set.of(QUERY, REQUEST_ID, RESULTS));
        fields.put(EventType.CLICK, Set.of(ITEM_ID, CATEGORY, PRICE, REQUEST_ID));
        fields.put(EventType.ADD_TO_CART, Set.of(ITEM_ID, CATEGORY, PRICE, QUANTITY));
        fields.put(EventType.REMOVE_FROM_CART, Set.of(ITEM_ID, CATEGORY, PRICE, QUANTITY));
        fields.put(EventType.ADD_TO_WISHLIST, Set.of(ITEM_ID, CATEGORY, PRICE));
        fields.put(EventType.PURCHASE, Set.of(ORDER_ID, ITEM_ID, CATEGORY, PRICE, QUANTITY));
        fields.put(EventType.RETURN, Set.of(ORDER_ID, ITEM_ID, CATEGORY, PRICE, QUANTITY));
        return fields;
    }

    private static int[] typeSlots() {
        int[] slots = new int[EventType.values().length];
        TYPE_FIELDS.forEach((type, names) -> names.forEach(name -> slots[type.ordinal()] |= 1 << slot(name)));
        return slots;
    }

    private static Rejection wrongType(String name, RawValue value, String expected) {
        return new Rejection(RejectReason.WRONG_TYPE, "field '" + name + "' is " + describe(value.token())
                + ", expected " + expected);
    }

    private static Rejection outOfRange(String name, RawValue value, boolean asInt) {
        return new Rejection(RejectReason.NUMBER_OUT_OF_RANGE, cut("field '" + name + "' is " + value.text()
                + ", which does not fit a " + (asInt ? "32" : "64") + "-bit integer"));
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            default -> token.toString();
        };
    }

    private static String hexAround(byte[] bytes, int position) {
        StringBuilder hex = new StringBuilder();
        for (int i = position; i < Math.min(bytes.length, position + 4); i++) {
            hex.append(String.format("%02x ", bytes[i] & 0xff));
        }
        return hex.toString().trim();
    }

    /** Details end up in dead letters and logs; the payload itself is kept elsewhere. */
    private static String cut(String detail) {
        return detail.length() <= MAX_DETAIL_LENGTH ? detail : detail.substring(0, MAX_DETAIL_LENGTH) + "...";
    }

    /** A rejection as control flow inside decode; stackless, since it is an expected outcome. */
    private static final class Rejection extends Exception {
        private final RejectReason reason;

        Rejection(RejectReason reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }
}
