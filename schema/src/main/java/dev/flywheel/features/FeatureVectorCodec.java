package dev.flywheel.features;

import dev.flywheel.events.EventType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Binary &lt;-&gt; {@link FeatureVector} for the {@code features} topic. Big-endian, no padding, so
 * any language reads it with a struct unpack ({@code docs/features.md} has the table and a
 * Python reader):
 * <pre>
 * offset  size  field
 *      0     1  marker 0x46 ('F')
 *      1     1  format version, 1
 *      2     4  spec_version, int32
 *      6     8  event time, int64 epoch milliseconds
 *     14     1  event type code, uint8: EventType.ordinal()
 *     15     2  event_id length L1, uint16, then L1 bytes of UTF-8
 *             2  user_id length L2, uint16, then L2 bytes of UTF-8
 *             2  value count N, uint16
 *            8N  the values in spec order, IEEE-754 binary64
 * </pre>
 * The record ends after the last value: 21 + L1 + L2 + 8N bytes. Values are written with their raw
 * bits, so decoding gives back the same doubles, -0.0, subnormals and infinities included.
 * Strings are UTF-8; an unpaired surrogate, which UTF-8 cannot carry, is written as {@code '?'}
 * (as {@link String#getBytes} does).
 *
 * <p>The event type code is {@link EventType#ordinal()}: the project already treats the enum's
 * order as a wire contract (new types are appended, never inserted; {@code ShopperEventSerializer}
 * tags savepoint data the same way), the codes are listed in {@code docs/features.md}, and
 * {@code FeatureVectorCodecTest} pins them, so a reordered enum fails the build instead of
 * relabelling records. One byte instead of the wire name keeps the record small and decoding free of
 * string comparisons. A reader that meets a code it does not know refuses the record.
 *
 * <p>This replaced a JSON form: a vector is 36 doubles, and formatting them as decimal text was
 * the largest single cost of the scoring job's last stage.
 */
public final class FeatureVectorCodec {
    /**
     * First byte of every record. A JSON record of the earlier form starts with '{' (0x7B), so the
     * two are told apart at byte 0 and an old record gets a clear refusal, not a misreading.
     */
    static final byte MARKER = 0x46;
    /**
     * Second byte. A later layout (float32 values, say) gets a new number and can be introduced
     * while readers still see the marker and report an unsupported version rather than garbage.
     */
    static final byte FORMAT_VERSION = 1;
    /** Bytes of a record besides the two strings and the values. */
    static final int FIXED_BYTES = 1 + 1 + 4 + 8 + 1 + 2 + 2 + 2;
    static final int MAX_UINT16 = 0xFFFF;

    private static final int TYPE_AT = 14;
    private static final int EVENT_ID_AT = 15;
    private static final EventType[] TYPES = EventType.values();
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    static {
        if (TYPES.length > 256) {
            throw new IllegalStateException("the features layout codes an event type in one byte");
        }
    }

    /**
     * One record in a single exactly sized array. An id over 65,535 UTF-8 bytes or more than 65,535
     * values do not fit the layout's uint16 lengths: {@link IllegalArgumentException}.
     */
    public byte[] encode(FeatureVector vector) {
        String eventId = vector.eventId();
        String userId = vector.userId();
        double[] values = vector.values();
        byte[] eventIdUtf8 = isAscii(eventId) ? null : eventId.getBytes(StandardCharsets.UTF_8);
        byte[] userIdUtf8 = isAscii(userId) ? null : userId.getBytes(StandardCharsets.UTF_8);
        int eventIdLength = eventIdUtf8 == null ? eventId.length() : eventIdUtf8.length;
        int userIdLength = userIdUtf8 == null ? userId.length() : userIdUtf8.length;
        requireUint16(eventIdLength, "event_id is %d UTF-8 bytes, at most 65535 fit");
        requireUint16(userIdLength, "user_id is %d UTF-8 bytes, at most 65535 fit");
        requireUint16(values.length, "vector has %d values, at most 65535 fit");

        byte[] out = new byte[FIXED_BYTES + eventIdLength + userIdLength + 8 * values.length];
        out[0] = MARKER;
        out[1] = FORMAT_VERSION;
        INT.set(out, 2, vector.specVersion());
        LONG.set(out, 6, vector.eventTime());
        out[TYPE_AT] = (byte) vector.eventType().ordinal();
        int at = writeString(out, EVENT_ID_AT, eventId, eventIdUtf8, eventIdLength);
        at = writeString(out, at, userId, userIdUtf8, userIdLength);
        at = writeUint16(out, at, values.length);
        for (double value : values) {
            LONG.set(out, at, Double.doubleToRawLongBits(value));
            at += 8;
        }
        return out;
    }

    /**
     * Decodes one record this codec wrote. Anything else is an {@link IllegalArgumentException}
     * whose message says what is wrong with it.
     */
    public FeatureVector decode(byte[] bytes) {
        require(bytes != null, "no feature vector record (null value)");
        require(bytes.length > 0, "empty feature vector record");
        if (bytes[0] != MARKER) {
            throw new IllegalArgumentException(bytes[0] == '{'
                    ? "a JSON feature vector of the earlier form; the features topic now carries binary records"
                    : String.format("not a feature vector record: first byte 0x%02x, expected 0x46", bytes[0]));
        }
        require(bytes.length >= 2, "truncated feature vector: no format version");
        if (bytes[1] != FORMAT_VERSION) {
            throw new IllegalArgumentException(String.format(
                    "unsupported feature vector format version %d, this reader knows %d", bytes[1] & 0xFF, FORMAT_VERSION));
        }
        if (bytes.length < FIXED_BYTES) {
            throw new IllegalArgumentException(String.format(
                    "truncated feature vector: %d bytes, a record has at least %d", bytes.length, FIXED_BYTES));
        }
        int specVersion = (int) INT.get(bytes, 2);
        long eventTime = (long) LONG.get(bytes, 6);
        int code = bytes[TYPE_AT] & 0xFF;
        if (code >= TYPES.length) {
            throw new IllegalArgumentException(String.format(
                    "unknown event type code %d, known codes are 0 to %d", code, TYPES.length - 1));
        }

        int at = EVENT_ID_AT;
        int eventIdLength = readLength(bytes, at, "event_id");
        String eventId = readUtf8(bytes, at + 2, eventIdLength, "event_id");
        at += 2 + eventIdLength;
        int userIdLength = readLength(bytes, at, "user_id");
        String userId = readUtf8(bytes, at + 2, userIdLength, "user_id");
        at += 2 + userIdLength;
        int count = readUint16(bytes, at, "value count");
        at += 2;
        long left = bytes.length - at;
        if (left != 8L * count) {
            throw new IllegalArgumentException(left < 8L * count
                    ? String.format("truncated feature vector: %d values need %d bytes, %d left", count, 8 * count, left)
                    : String.format("%d trailing bytes after the last of %d values", left - 8L * count, count));
        }
        double[] values = new double[count];
        for (int i = 0; i < count; i++, at += 8) {
            values[i] = Double.longBitsToDouble((long) LONG.get(bytes, at));
        }
        return new FeatureVector(eventId, userId, TYPES[code], eventTime, specVersion, values);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** Writes the uint16 length and the string; ASCII char by char, with no intermediate array. */
    private static int writeString(byte[] out, int at, String s, byte[] utf8, int length) {
        at = writeUint16(out, at, length);
        if (utf8 != null) {
            System.arraycopy(utf8, 0, out, at, length);
        } else {
            for (int i = 0; i < length; i++) {
                out[at + i] = (byte) s.charAt(i);
            }
        }
        return at + length;
    }

    private static int writeUint16(byte[] out, int at, int value) {
        out[at] = (byte) (value >>> 8);
        out[at + 1] = (byte) value;
        return at + 2;
    }

    private static int readUint16(byte[] bytes, int at, String field) {
        if (at + 2 > bytes.length) {
            throw new IllegalArgumentException("truncated feature vector: it ends inside the " + field);
        }
        return (bytes[at] & 0xFF) << 8 | bytes[at + 1] & 0xFF;
    }

    /** A string's uint16 length, checked to lie inside the record. */
    private static int readLength(byte[] bytes, int at, String field) {
        int length = readUint16(bytes, at, field + " length");
        int left = bytes.length - at - 2;
        if (length > left) {
            throw new IllegalArgumentException(String.format(
                    "%s length %d runs past the end of the record (%d bytes left)", field, length, left));
        }
        return length;
    }

    /** ASCII, the usual case, is copied as is; anything else must be well-formed UTF-8. */
    private static String readUtf8(byte[] bytes, int at, int length, String field) {
        for (int i = at; i < at + length; i++) {
            if (bytes[i] < 0) {
                try {
                    return StandardCharsets.UTF_8.newDecoder()
                            .decode(ByteBuffer.wrap(bytes, at, length))
                            .toString();
                } catch (CharacterCodingException e) {
                    throw new IllegalArgumentException(field + " is not well-formed UTF-8", e);
                }
            }
        }
        return new String(bytes, at, length, StandardCharsets.ISO_8859_1);
    }

    private static void requireUint16(int value, String message) {
        if (value > MAX_UINT16) {
            throw new IllegalArgumentException(String.format(message, value));
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
