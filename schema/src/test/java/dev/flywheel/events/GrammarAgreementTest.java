package dev.flywheel.events;

import static dev.flywheel.events.EventSamples.CLOCK;
import static dev.flywheel.events.EventSamples.TS;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.flywheel.events.EventCodec.Reader;
import dev.flywheel.events.EventSamples.Payload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The codec reads JSON with two grammars: {@link PlainJsonReader}, the fast path for the flat
 * objects producers send, and Jackson for everything the fast path leaves alone. Whatever the fast
 * path reads, Jackson must read to the same verdict: both accept with equal events, or both reject
 * with the same reason and detail. Nothing else holds them together, so this test feeds both the
 * corpus and encoded events, mutated byte by byte, character by character and field by field
 * (reordered, duplicated, dropped, retyped, set to numbers at the limits, escaped, padded with
 * whitespace, nested), from fixed seeds so a failure names a payload that fails again.
 */
class GrammarAgreementTest {
    private static final int CASES_PER_SEED = 6_000;
    private static final JsonFactory JSON = new JsonFactory();
    private static final List<String> LIMIT_VALUES = limitValues();
    private static final List<String> FIELD_NAMES = fieldNames();

    private final EventCodec codec = new EventCodec(CLOCK, EventCodec.DEFAULT_MAX_PAYLOAD_BYTES);

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void bothGrammarsAgreeOnMutatedPayloads(long seed) {
        Random random = new Random(seed);
        List<byte[]> seeds = seedPayloads();
        Tally tally = new Tally();
        for (int i = 0; i < CASES_PER_SEED; i++) {
            byte[] payload = new Mutator(random).mutate(seeds.get(random.nextInt(seeds.size())));
            check(payload, tally);
        }
        tally.assertNoDisagreement();
        // Not vacuous: the fast path read a good share, and both verdicts occurred among those.
        assertThat(tally.plainRead).as("payloads the fast path read").isGreaterThan(CASES_PER_SEED / 5);
        assertThat(tally.plainAccepted).as("of which accepted").isGreaterThan(CASES_PER_SEED / 20);
        assertThat(tally.plainRead - tally.plainAccepted).as("of which rejected").isGreaterThan(CASES_PER_SEED / 20);
    }

    /** Every known field, and an unknown one, set to every value at or past a limit. */
    @Test
    void bothGrammarsAgreeOnEveryFieldAtEveryLimit() {
        Tally tally = new Tally();
        for (EventType type : EventType.values()) {
            for (String field : FIELD_NAMES) {
                for (String value : LIMIT_VALUES) {
                    for (String json : List.of(
                            Payload.ofType(type.wireName()).set(field, value).toString(),
                            Payload.ofType(type.wireName()).set(field, value).set("price", "12.5").toString())) {
                        check(json.getBytes(UTF_8), tally);
                    }
                }
            }
        }
        tally.assertNoDisagreement();
        assertThat(tally.plainAccepted).isPositive();
        assertThat(tally.plainRead - tally.plainAccepted).isPositive();
    }

    private void check(byte[] payload, Tally tally) {
        Decoded jackson = codec.decode(payload, Reader.JACKSON_ONLY);
        Decoded plain = codec.decode(payload, Reader.PLAIN_ONLY);
        Decoded decoded = codec.decode(payload);
        tally.cases++;
        if (plain != null) {
            tally.plainRead++;
            tally.plainAccepted += plain instanceof Decoded.Accepted ? 1 : 0;
            if (!plain.equals(jackson)) {
                tally.disagreements.add(show(payload) + "\n      fast path: " + plain + "\n      jackson:   " + jackson);
            }
        }
        // decode is the fast path where it reads, Jackson elsewhere.
        Decoded expected = plain != null ? plain : jackson;
        if (!decoded.equals(expected)) {
            tally.disagreements.add(show(payload) + "\n      decode:   " + decoded + "\n      expected: " + expected);
        }
    }

    private static final class Tally {
        int cases;
        int plainRead;
        int plainAccepted;
        final List<String> disagreements = new ArrayList<>();

        void assertNoDisagreement() {
            assertThat(disagreements)
                    .as("%d of %d payloads decoded differently, first ones:%n  %s", disagreements.size(), cases,
                            String.join("\n  ", disagreements.subList(0, Math.min(8, disagreements.size()))))
                    .isEmpty();
        }
    }

    /** The payload as a Java string literal would show it, with invalid UTF-8 as hex. */
    private static String show(byte[] payload) {
        String text = new String(payload, UTF_8);
        if (!Arrays.equals(text.getBytes(UTF_8), payload)) {
            return "bytes " + HexFormat.of().formatHex(payload);
        }
        StringBuilder shown = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            if (c == '"' || c == '\\') {
                shown.append('\\').appendCodePoint(c);
            } else if (c < 0x20 || (c >= 0x7f && c < 0xa0) || Character.isWhitespace(c) && c != ' ') {
                shown.append(String.format("\\u%04x", c));
            } else {
                shown.appendCodePoint(c);
            }
        });
        String all = shown.append('"').toString();
        return all.length() <= 600 ? all : all.substring(0, 600) + "...(" + payload.length + " bytes)";
    }

    // ------------------------------------------------------------------------------- seeds

    private List<byte[]> seedPayloads() {
        List<byte[]> seeds = new ArrayList<>();
        corpusFiles().forEach(file -> seeds.add(read(file)));
        EventSamples.oneOfEachType().forEach(event -> seeds.add(codec.encode(event)));
        for (EventType type : EventType.values()) {
            seeds.add(Payload.ofType(type.wireName()).toString().getBytes(UTF_8));
        }
        seeds.add(codec.encode(new ShopperEvent.View(
                new EventHeader("é-1", TS, "ユーザー", "s 😀", "{\"a\":[\"x\",\"y\"],\"b\":2.50,\"c\":{\"d\":null}}"),
                "i-1", "c-1", 0.0)));
        return seeds;
    }

    private static Stream<Path> corpusFiles() {
        try {
            Path root = Path.of(GrammarAgreementTest.class.getResource("/corpus").toURI());
            try (Stream<Path> files = Files.walk(root)) {
                List<Path> json = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
                assertThat(json).isNotEmpty();
                return json.stream();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> fieldNames() {
        List<String> names = new ArrayList<>(EventCodec.KNOWN_FIELDS);
        names.add("extra");
        return names;
    }

    /** Raw JSON values at, just inside and just past every limit of the contract, and of JSON. */
    private static List<String> limitValues() {
        List<String> values = new ArrayList<>(List.of(
                // integers and their float spellings
                "0", "-0", "1", "-1", "0.0", "-0.0", "1.0", "1.5", "2.0", "2.50", "1e0", "1E+2", "1e-2", "0e5", "-0e-0",
                "10000", "10001", "1.0001e4", "1e4", "2147483647", "2147483648", "-2147483648", "-2147483649",
                "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                "99999999999999999999", "946684800000", "946684799999", "946684800", Long.toString(TS),
                Long.toString(TS + 86_400_000L * 2), "1.7486928e12", "1.74869280000001e12", Long.toString(TS) + ".0",
                "1e18", "1e19", "1e2147483647", "1e2147483648", "1e-2147483648",
                // prices
                "1e9", "1000000000.0000001", "1.0000000000000001e9", "1e400", "-1e400", "4.9e-324", "1e-400", "-5",
                "1.7976931348623157e308", "1.7976931348623159e308",
                // not JSON numbers
                "01", "-01", "+1", ".5", "1.", "1e", "1e+", "-", "--1", "0x1F", "NaN", "Infinity", "-Infinity",
                "1_000",
                // strings
                "\"\"", "\" \"", "\"\\t\"", "\"\u00a0\"", "\"\\u00a0\"", "\"\u3000\u2002\"", "\"\ufeff\"",
                "\"a\u00a0b\"", "\"é\"", "\"😀\"", "\"\\ud83d\\ude00\"", "\"\\ud800\"", "\"\\udc00x\"",
                "\"a\\\"b\"", "\"a\\\\b\"", "\"\\/\"", "\"\\u0000\"", "\"\u007f\"", "\"\u2028\"",
                "\"view\"", "\"search\"", "\"click\"", "\"add_to_cart\"", "\"remove_from_cart\"", "\"add_to_wishlist\"",
                "\"purchase\"", "\"return\"", "\"VIEW\"", "\"page_view\"", "\"1748692800000\"", "\"12.5\"",
                // literals
                "true", "false", "null", "True", "nul", "truex",
                // arrays
                "[]", "[ ]", "[\"a\"]", "[\"a\",\"b\"]", "[ \"a\" , \"b\" ]", "[1]", "[\"a\",null]", "[\"a\",1]",
                "[[]]", "[\"\"]", "[\" \"]", "[\"a\",]", "[,]", "[\"\\u0041\"]", "[{}]",
                // objects
                "{}", "{\"a\":1}", "{\"a\":{\"b\":[1,2,{\"c\":null}]}}", "{\"a\":1,\"a\":2}", "{\"ts\":1}",
                "{\"\\ud800\":1}"));
        values.add("\"" + "x".repeat(256) + "\"");
        values.add("\"" + "x".repeat(257) + "\"");
        values.add("\"" + "😀".repeat(256) + "\"");
        values.add("\"" + "😀".repeat(257) + "\"");
        values.add("\"" + "q".repeat(1024) + "\"");
        values.add("\"" + "q".repeat(1025) + "\"");
        values.add("9".repeat(99));
        values.add("9".repeat(100));
        values.add("9".repeat(101));
        values.add("1." + "0".repeat(998));
        values.add("1." + "0".repeat(999));
        values.add(nested(15));
        values.add(nested(16));
        values.add(results(1000));
        values.add(results(1001));
        return values;
    }

    /** Arrays nested to {@code depth} levels, which inside the top-level object is depth + 1. */
    private static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    private static String results(int n) {
        StringBuilder array = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            array.append(i == 0 ? "" : ",").append("\"i-").append(i).append('"');
        }
        return array.append(']').toString();
    }

    // ---------------------------------------------------------------------------- mutations

    /** One random change or several to a payload; the same Random gives the same payload. */
    private static final class Mutator {
        private static final byte[] BYTES = {'{', '}', '[', ']', '"', ':', ',', '\\', ' ', '\t', '\n', '\r', '0', '1',
                '9', '-', '+', '.', 'e', 'E', 't', 'n', 'u', 'l', 'x', 0, 0x1f, 0x7f, (byte) 0x80, (byte) 0xc3,
                (byte) 0xa9, (byte) 0xed, (byte) 0xa0, (byte) 0xf0, (byte) 0xff};
        private static final String[] CHARS = {"é", "😀", "\u00a0", "\u2028", "\ufeff", "\u0000", "\u001f", "\u007f",
                "\"", "\\", "{", "}", "[", "]", ",", ":", "0", "7", "e", "-", "+", ".", " ", "\t", "\n", "\\u0041",
                "\\n", "\\ud83d\\ude00", "\\ud800", "null", "true"};
        private static final String[] SPACE = {"", "", "", "", " ", "\n", "\t", "\r\n", "  \t"};
        private static final String[] LOOK_ALIKES = {"tz", "TS", "Ts", "Type", "tYPE", "event_iD", "event_ix", "user_ie",
                "s_ssion_id", "item_Id", "categorz", "pricE", "quantitY", "querY", "request_iD", "resultz", "order_iD",
                "ts ", " ts", "e", "", "TYPE", "u", "p", "q", "r", "o", "c", "i"};

        private final Random random;

        Mutator(Random random) {
            this.random = random;
        }

        byte[] mutate(byte[] seed) {
            byte[] payload = seed;
            int rounds = 1 + random.nextInt(3);
            for (int round = 0; round < rounds; round++) {
                payload = switch (random.nextInt(10)) {
                    case 0 -> mutateByte(payload);
                    case 1 -> mutateChar(payload);
                    default -> mutateFields(payload);
                };
            }
            return payload;
        }

        private byte[] mutateByte(byte[] payload) {
            if (payload.length == 0) {
                return new byte[] {pick(BYTES)};
            }
            int at = random.nextInt(payload.length);
            return switch (random.nextInt(5)) {
                case 0 -> replace(payload, at, 1, new byte[] {pick(BYTES)});
                case 1 -> replace(payload, at, 0, new byte[] {pick(BYTES)});
                case 2 -> replace(payload, at, 1, new byte[0]);
                case 3 -> Arrays.copyOf(payload, at);
                default -> replace(payload, at, 0, Arrays.copyOfRange(payload, at, Math.min(payload.length, at + 1 + random.nextInt(8))));
            };
        }

        private byte[] mutateChar(byte[] payload) {
            String text = new String(payload, UTF_8);
            if (text.isEmpty()) {
                return CHARS[random.nextInt(CHARS.length)].getBytes(UTF_8);
            }
            int at = text.offsetByCodePoints(0, random.nextInt(text.codePointCount(0, text.length())));
            String inserted = CHARS[random.nextInt(CHARS.length)];
            String mutated = random.nextBoolean()
                    ? text.substring(0, at) + inserted + text.substring(at)
                    : text.substring(0, at) + inserted + text.substring(text.offsetByCodePoints(at, 1));
            return mutated.getBytes(UTF_8);
        }

        /** Field-level changes; a payload that is not a well-formed object gets a byte change instead. */
        private byte[] mutateFields(byte[] payload) {
            List<String[]> fields = fields(payload);
            if (fields == null) {
                return mutateByte(payload);
            }
            switch (random.nextInt(11)) {
                case 0 -> Collections.shuffle(fields, random);
                case 1 -> {
                    if (!fields.isEmpty()) {
                        String[] copy = fields.get(random.nextInt(fields.size())).clone();
                        if (random.nextBoolean()) {
                            copy[1] = pick(LIMIT_VALUES);
                        }
                        fields.add(random.nextInt(fields.size() + 1), copy);
                    }
                }
                case 2 -> {
                    if (!fields.isEmpty()) {
                        fields.remove(random.nextInt(fields.size()));
                    }
                }
                case 3 -> set(fields, pick(FIELD_NAMES), pick(LIMIT_VALUES));
                case 4 -> set(fields, "type", "\"" + pick(Arrays.asList(EventType.values())).wireName() + "\"");
                case 5 -> {
                    if (!fields.isEmpty()) {
                        String[] field = fields.get(random.nextInt(fields.size()));
                        int which = random.nextInt(2);
                        if (field[which].startsWith("\"")) {
                            field[which] = escape(field[which]);
                        }
                    }
                }
                case 6 -> set(fields, "x" + random.nextInt(4), extraValue(0));
                case 7 -> set(fields, "x" + random.nextInt(40), pick(LIMIT_VALUES));
                // Names the fast path must not take for contract fields: same first letter and length, or case.
                case 8 -> set(fields, pick(LOOK_ALIKES), pick(LIMIT_VALUES));
                // Enough unknown fields that duplicates are found through a set rather than a list.
                case 9 -> {
                    int n = 15 + random.nextInt(10);
                    for (int i = 0; i < n; i++) {
                        fields.add(random.nextInt(fields.size() + 1), new String[] {"\"y" + random.nextInt(30) + "\"", "1"});
                    }
                }
                default -> {
                    // only the whitespace changes
                }
            }
            return render(fields).getBytes(UTF_8);
        }

        private void set(List<String[]> fields, String name, String value) {
            String key = "\"" + name + "\"";
            for (String[] field : fields) {
                if (field[0].equals(key)) {
                    field[1] = value;
                    return;
                }
            }
            fields.add(random.nextInt(fields.size() + 1), new String[] {key, value});
        }

        /** A random value for an unknown field, nested objects and arrays included. */
        private String extraValue(int depth) {
            int kind = depth > 18 ? random.nextInt(3) : random.nextInt(6);
            return switch (kind) {
                case 0 -> pick(List.of("1", "-2.50", "1e400", "true", "null", "\"s\"", "\"é\""));
                case 1 -> "\"" + "abc😀".repeat(random.nextInt(3)) + "\"";
                case 2 -> pick(LIMIT_VALUES);
                case 3, 4 -> {
                    StringBuilder object = new StringBuilder("{");
                    int n = random.nextInt(4);
                    for (int i = 0; i < n; i++) {
                        object.append(i == 0 ? "" : ",").append("\"k").append(random.nextInt(3)).append("\":")
                                .append(extraValue(depth + 1));
                    }
                    yield object.append('}').toString();
                }
                default -> {
                    StringBuilder array = new StringBuilder("[");
                    int n = random.nextInt(4);
                    for (int i = 0; i < n; i++) {
                        array.append(i == 0 ? "" : ",").append(extraValue(depth + 1));
                    }
                    yield array.append(']').toString();
                }
            };
        }

        /** The same string, some characters written as escapes: equal text to any JSON reader. */
        private String escape(String quoted) {
            String inner = quoted.substring(1, quoted.length() - 1);
            StringBuilder escaped = new StringBuilder("\"");
            for (int i = 0; i < inner.length(); i++) {
                char c = inner.charAt(i);
                if (c == '\\' && i + 1 < inner.length()) {
                    escaped.append(c).append(inner.charAt(++i));
                } else if (random.nextInt(3) == 0) {
                    escaped.append(c == '/' ? "\\/" : String.format("\\u%04X", (int) c));
                } else {
                    escaped.append(c);
                }
            }
            return escaped.append('"').toString();
        }

        private String render(List<String[]> fields) {
            StringBuilder json = new StringBuilder(pick(SPACE)).append('{');
            for (int i = 0; i < fields.size(); i++) {
                json.append(i == 0 ? "" : ",").append(pick(SPACE)).append(fields.get(i)[0]).append(pick(SPACE))
                        .append(':').append(pick(SPACE)).append(fields.get(i)[1]).append(pick(SPACE));
            }
            return json.append('}').append(pick(SPACE)).toString();
        }

        private byte pick(byte[] choices) {
            return choices[random.nextInt(choices.length)];
        }

        private String pick(String[] choices) {
            return choices[random.nextInt(choices.length)];
        }

        private <T> T pick(List<T> choices) {
            return choices.get(random.nextInt(choices.size()));
        }

        private static byte[] replace(byte[] payload, int at, int length, byte[] with) {
            byte[] result = new byte[payload.length - length + with.length];
            System.arraycopy(payload, 0, result, 0, at);
            System.arraycopy(with, 0, result, at, with.length);
            System.arraycopy(payload, at + length, result, at + with.length, payload.length - at - length);
            return result;
        }
    }

    /**
     * The top-level fields of a JSON object as raw text slices, key with its quotes and value
     * exactly as written, or null if the payload is not one well-formed object.
     */
    static List<String[]> fields(byte[] payload) {
        String text = new String(payload, UTF_8);
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            List<String[]> fields = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                int keyStart = (int) p.currentTokenLocation().getCharOffset();
                String key = text.substring(keyStart, closingQuote(text, keyStart) + 1);
                p.nextToken();
                int valueStart = (int) p.currentTokenLocation().getCharOffset();
                p.skipChildren();
                p.finishToken(); // Jackson reads a string's text lazily; the location must be past it
                int valueEnd = (int) p.currentLocation().getCharOffset();
                fields.add(new String[] {key, text.substring(valueStart, valueEnd)});
            }
            return p.nextToken() == null ? fields : null;
        } catch (IOException | RuntimeException notAnObject) {
            return null;
        }
    }

    private static int closingQuote(String text, int openingQuote) {
        for (int i = openingQuote + 1; i < text.length(); i++) {
            if (text.charAt(i) == '\\') {
                i++;
            } else if (text.charAt(i) == '"') {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed string at " + openingQuote);
    }
}
