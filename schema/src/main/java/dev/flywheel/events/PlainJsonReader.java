package dev.flywheel.events;

import com.fasterxml.jackson.core.JsonToken;
import dev.flywheel.events.EventCodec.Fields;
import dev.flywheel.events.EventCodec.RawValue;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The fast path of {@link EventCodec#decode}: reads the JSON that producers send, a flat object of
 * strings, numbers, literals and arrays of strings, straight from the bytes.
 *
 * <p>It gives up (returns null) on anything else: escapes, nested objects, other arrays,
 * duplicate names, whitespace or syntax Jackson might treat differently, any malformed input. The
 * codec then reads the payload with Jackson, which reports every problem. So whatever this class
 * accepts must be valid JSON that Jackson, as the codec configures it, reads to the same values;
 * the grammar below is a strict subset of Jackson's.
 *
 * <p>Expects a payload that has passed the codec's UTF-8 check: a string without escapes then
 * cannot hold a lone surrogate, so no surrogate check is needed. Stateless between calls.
 */
final class PlainJsonReader {
    /** Well inside Jackson's own limits on names (50,000), strings (20,000,000) and numbers (1,000 characters). */
    private static final int MAX_NAME_BYTES = 1_000;
    private static final int MAX_STRING_BYTES = 1_000_000;
    private static final int MAX_NUMBER_CHARS = 100;
    private static final byte[][] KNOWN_NAMES = EventCodec.KNOWN_FIELDS.stream()
            .map(name -> name.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
    /** The contract's names differ in first letter or length: {@link #nameKey} finds the one candidate. */
    private static final byte[] SLOT_BY_NAME_KEY = slotByNameKey();
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;

    private final byte[] in;
    /** ISO-8859-1 decodes ASCII as UTF-8 does, without looking for longer sequences first. */
    private final Charset charset;
    private int pos;

    private PlainJsonReader(byte[] in, boolean ascii) {
        this.in = in;
        this.charset = ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8;
    }

    /**
     * @param ascii whether every byte of the payload is ASCII
     * @return the payload's fields, or null if it is not plain JSON
     */
    static Fields read(byte[] payload, boolean ascii) {
        return new PlainJsonReader(payload, ascii).object();
    }

    private Fields object() {
        skipSpace();
        if (!take('{')) {
            return null;
        }
        Fields fields = new Fields();
        skipSpace();
        if (!take('}')) {
            do {
                skipSpace();
                if (!field(fields)) {
                    return null;
                }
                skipSpace();
            } while (take(','));
            if (!take('}')) {
                return null;
            }
        }
        skipSpace();
        return pos == in.length ? fields : null;
    }

    /** One {@code "name": value}, leaving pos after the value. */
    private boolean field(Fields fields) {
        if (!take('"')) {
            return false;
        }
        int start = pos;
        int end = stringEnd();
        if (end < 0 || end - start > MAX_NAME_BYTES) {
            return false;
        }
        int slot = knownSlot(start, end);
        String name = slot >= 0 ? EventCodec.KNOWN_FIELDS.get(slot) : text(start, end);
        skipSpace();
        if (!take(':')) {
            return false;
        }
        skipSpace();
        RawValue value = value(name);
        return value != null && fields.add(slot, value);
    }

    private RawValue value(String name) {
        if (pos >= in.length) {
            return null;
        }
        byte b = in[pos];
        if (b == '"') {
            pos++;
            String text = string();
            return text == null ? null : new RawValue(name, JsonToken.VALUE_STRING, text, null);
        }
        if (b == '-' || (b >= '0' && b <= '9')) {
            return number(name);
        }
        if (b == '[') {
            pos++;
            return strings(name);
        }
        if (literal("true")) {
            return new RawValue(name, JsonToken.VALUE_TRUE, null, null);
        }
        if (literal("false")) {
            return new RawValue(name, JsonToken.VALUE_FALSE, null, null);
        }
        if (literal("null")) {
            return new RawValue(name, JsonToken.VALUE_NULL, null, null);
        }
        return null;
    }

    /** An array of strings only, pos after its '['. */
    private RawValue strings(String name) {
        List<String> strings = new ArrayList<>();
        skipSpace();
        if (!take(']')) {
            do {
                skipSpace();
                if (!take('"')) {
                    return null;
                }
                String element = string();
                if (element == null) {
                    return null;
                }
                strings.add(element);
                skipSpace();
            } while (take(','));
            if (!take(']')) {
                return null;
            }
        }
        return new RawValue(name, JsonToken.START_ARRAY, null, strings);
    }

    /**
     * JSON's number grammar, which Jackson enforces by default: no leading zeros, plus sign, bare
     * or trailing point. The text is kept as sent, as Jackson's getText gives it. What may follow
     * is left to the caller, which accepts only whitespace or a separator.
     */
    private RawValue number(String name) {
        int start = pos;
        take('-');
        if (take('0')) {
            if (digit()) {
                return null;
            }
        } else if (!digits()) {
            return null;
        }
        boolean integer = true;
        if (take('.')) {
            integer = false;
            if (!digits()) {
                return null;
            }
        }
        if (take('e') || take('E')) {
            integer = false;
            if (!take('+')) {
                take('-');
            }
            if (!digits()) {
                return null;
            }
        }
        if (pos - start > MAX_NUMBER_CHARS) {
            return null;
        }
        JsonToken token = integer ? JsonToken.VALUE_NUMBER_INT : JsonToken.VALUE_NUMBER_FLOAT;
        return new RawValue(name, token, new String(in, start, pos - start, StandardCharsets.ISO_8859_1), null);
    }

    /** A string's value, pos after its opening quote; null if it holds an escape or control character. */
    private String string() {
        int start = pos;
        int end = stringEnd();
        return end < 0 || end - start > MAX_STRING_BYTES ? null : text(start, end);
    }

    /**
     * Moves pos past the closing quote and returns the quote's index, or -1. Bytes of 0x80 and up
     * are parts of valid UTF-8 sequences, none of which holds a quote or backslash byte.
     */
    private int stringEnd() {
        int i = pos;
        for (; i + Long.BYTES <= in.length; i += Long.BYTES) {
            long found = specialBytes((long) LONGS.get(in, i));
            if (found != 0) {
                int at = i + (Long.numberOfTrailingZeros(found) >>> 3);
                if (in[at] != '"') {
                    return -1;
                }
                pos = at + 1;
                return at;
            }
        }
        for (; i < in.length; i++) {
            byte b = in[i];
            if (b == '"') {
                pos = i + 1;
                return i;
            }
            if (b == '\\' || (b >= 0 && b < 0x20)) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * Eight bytes, first in the lowest: the top bit of each that is a quote, a backslash or a
     * control character. The classic "has a zero byte" test, applied to {@code bytes ^ '"'},
     * {@code bytes ^ '\\'} and, as "has a byte below 0x20", to the bytes themselves. Bits above
     * the lowest may be wrong (borrows), the lowest is exact: it marks the first such byte.
     */
    private static long specialBytes(long bytes) {
        long quote = bytes ^ ('"' * ONES);
        long backslash = bytes ^ ('\\' * ONES);
        long found = ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash) | ((bytes - 0x20 * ONES) & ~bytes);
        return found & HIGH_BITS;
    }

    private String text(int start, int end) {
        return new String(in, start, end - start, charset);
    }

    private int knownSlot(int start, int end) {
        if (start == end) {
            return -1;
        }
        int slot = SLOT_BY_NAME_KEY[nameKey(in[start], end - start)];
        if (slot < 0 || KNOWN_NAMES[slot].length != end - start) {
            return -1;
        }
        // A plain loop: names are too short for Arrays.equals to pay off. The key ignores case.
        byte[] known = KNOWN_NAMES[slot];
        for (int i = 0; i < known.length; i++) {
            if (known[i] != in[start + i]) {
                return -1;
            }
        }
        return slot;
    }

    private static int nameKey(byte first, int length) {
        return (first & 0x1f) << 4 | (length & 0xf);
    }

    private static byte[] slotByNameKey() {
        byte[] slots = new byte[1 << 9];
        Arrays.fill(slots, (byte) -1);
        for (int slot = 0; slot < KNOWN_NAMES.length; slot++) {
            int key = nameKey(KNOWN_NAMES[slot][0], KNOWN_NAMES[slot].length);
            if (slots[key] != -1) {
                throw new IllegalStateException("known field names share a key: " + EventCodec.KNOWN_FIELDS);
            }
            slots[key] = (byte) slot;
        }
        return slots;
    }

    /** A literal, which the caller then requires to be followed by whitespace or a separator. */
    private boolean literal(String word) {
        if (pos + word.length() > in.length) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            if (in[pos + i] != word.charAt(i)) {
                return false;
            }
        }
        pos += word.length();
        return true;
    }

    /** JSON's four whitespace characters: Jackson refuses other control characters. */
    private void skipSpace() {
        while (pos < in.length) {
            byte b = in[pos];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return;
            }
            pos++;
        }
    }

    private boolean take(char c) {
        if (pos < in.length && in[pos] == c) {
            pos++;
            return true;
        }
        return false;
    }

    private boolean digit() {
        return pos < in.length && in[pos] >= '0' && in[pos] <= '9';
    }

    /** One or more digits. */
    private boolean digits() {
        int i = pos;
        while (i < in.length && in[i] >= '0' && in[i] <= '9') {
            i++;
        }
        boolean any = i > pos;
        pos = i;
        return any;
    }
}
