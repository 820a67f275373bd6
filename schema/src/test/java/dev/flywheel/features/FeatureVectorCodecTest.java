package dev.flywheel.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.flywheel.events.EventHeader;
import dev.flywheel.events.EventType;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.AddToCart;
import dev.flywheel.events.ShopperEvent.Click;
import dev.flywheel.events.ShopperEvent.Purchase;
import dev.flywheel.events.ShopperEvent.Search;
import dev.flywheel.events.ShopperEvent.View;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FeatureVectorCodecTest {
    private static final long T0 = 1_767_225_600_000L;

    private final FeatureVectorCodec codec = new FeatureVectorCodec();

    /** The documented layout, written out field by field; a change of layout must change this test. */
    @Test
    void writesTheDocumentedBytes() {
        FeatureVector vector = new FeatureVector("sim-42-7", "u-\u00fc", EventType.ADD_TO_CART, T0, 1,
                new double[] {1.5, -0.0, -1});
        String expected = ""
                + "46" + "01"                              // marker 'F', format version 1
                + "00000001"                               // spec_version 1
                + "0000019b76daa800"                       // event time 1767225600000
                + "03"                                     // add_to_cart
                + "0008" + "73696d2d34322d37"              // event_id "sim-42-7"
                + "0004" + "752dc3bc"                      // user_id "u-ü", ü is C3 BC in UTF-8
                + "0003"                                   // three values
                + "3ff8000000000000"                       // 1.5
                + "8000000000000000"                       // -0.0
                + "bff0000000000000";                      // -1.0

        byte[] bytes = codec.encode(vector);

        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(expected);
        assertThat(bytes).hasSize(FeatureVectorCodec.FIXED_BYTES + 8 + 4 + 3 * 8);
        assertThat(codec.decode(HexFormat.of().parseHex(expected))).isEqualTo(vector);
    }

    @Test
    void roundTripKeepsEveryBitOfTheValues() {
        double[] values = {
            0.1 + 0.2, -1, 0.0, -0.0, Double.MIN_VALUE, Double.MIN_NORMAL / 3, -Double.MIN_VALUE, Double.MIN_NORMAL,
            Double.MAX_VALUE, -Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN,
            123456789.123456789, 2.0 / 3, 1e-300, Math.PI
        };
        FeatureVector vector = new FeatureVector("e-1", "u-\"1\"", EventType.ADD_TO_CART, 1_700_000_000_123L, 1, values);

        FeatureVector decoded = codec.decode(codec.encode(vector));

        assertThat(decoded).isEqualTo(vector);
        for (int i = 0; i < values.length; i++) {
            assertThat(Double.doubleToRawLongBits(decoded.values()[i]))
                    .as("bits of value %d", i)
                    .isEqualTo(Double.doubleToRawLongBits(values[i]));
        }
    }

    @Test
    void roundTripOfVectorsTheFeatureCodeComputes() {
        List<ShopperEvent> events = List.of(
                new View(header("e1", T0, "user-17"), "i1", "books", 12.5),
                new Click(header("e2", T0 + 1_000, "user-17"), "i1", "books", 12.5, "r1"),
                new AddToCart(header("e3", T0 + 2_000, "user-17"), "i1", "books", 12.5, 2),
                new Search(header("e4", T0 + 3_000, "ユーザー-𝄞"), "lamp", List.of("i2", "i3"), "r2"),
                new Purchase(header("e5", T0 + 4_000, "user-17"), "o1", "i1", "books", 12.5, 2),
                new View(header("e6", T0 + 5_000, "ユーザー-𝄞"), "i2", "lighting", null));
        List<FeatureVector> vectors = OfflineFeatureReplay.replay(events, FeatureSettings.defaults());

        assertThat(vectors).hasSize(events.size());
        for (FeatureVector vector : vectors) {
            byte[] bytes = codec.encode(vector);
            assertThat(vector.values()).hasSize(FeatureSpec.current().names().size());
            assertThat(bytes).hasSize(FeatureVectorCodec.FIXED_BYTES
                    + utf8Length(vector.eventId()) + utf8Length(vector.userId()) + 8 * vector.values().length);
            assertThat(codec.decode(bytes)).isEqualTo(vector);
        }
    }

    @Test
    void roundTripOfEdgeCases() {
        List<FeatureVector> vectors = new ArrayList<>();
        for (EventType type : EventType.values()) {
            vectors.add(new FeatureVector("e", "u", type, T0, 1, new double[] {1}));
        }
        vectors.add(new FeatureVector("", "", EventType.VIEW, 0, 0, new double[0]));
        vectors.add(new FeatureVector("é", "😀", EventType.RETURN, Long.MIN_VALUE, Integer.MIN_VALUE, new double[0]));
        vectors.add(new FeatureVector("e", "u", EventType.PURCHASE, Long.MAX_VALUE, Integer.MAX_VALUE, new double[] {-0.0}));
        vectors.add(new FeatureVector("x".repeat(65_535), "ü".repeat(32_767), EventType.VIEW, -1, 7,
                new double[65_535]));

        for (FeatureVector vector : vectors) {
            assertThat(codec.decode(codec.encode(vector))).isEqualTo(vector);
        }
    }

    @Test
    void refusesWhatDoesNotFitTheLayout() {
        assertThatThrownBy(() -> codec.encode(vector("x".repeat(65_536), "u", new double[0])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("event_id is 65536 UTF-8 bytes");
        assertThatThrownBy(() -> codec.encode(vector("e", "ü".repeat(32_768), new double[0])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user_id is 65536 UTF-8 bytes");
        assertThatThrownBy(() -> codec.encode(vector("e", "u", new double[65_536])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65536 values");
    }

    /** The codes are {@link EventType#ordinal()}: new types are appended, never inserted. */
    @Test
    void eventTypeCodesAreStableAndDocumented() throws IOException {
        List<String> codeOrder = List.of(
                "view", "search", "click", "add_to_cart", "remove_from_cart", "add_to_wishlist", "purchase", "return");
        List<String> wireNames = Arrays.stream(EventType.values()).map(EventType::wireName).toList();
        assertThat(wireNames).as("event types are appended, never inserted or reordered").startsWith(
                codeOrder.toArray(String[]::new));

        String documented = IntStream.range(0, wireNames.size())
                .mapToObj(code -> code + " `" + wireNames.get(code) + "`")
                .collect(Collectors.joining(", "));
        assertThat(Files.readString(Path.of("..", "docs", "features.md")))
                .as("docs/features.md lists the event type codes")
                .contains(documented);
    }

    @Test
    void refusesRecordsOfAnotherKind() {
        assertRefused(null, "null");
        assertRefused(new byte[0], "empty");
        assertRefused("{\"event_id\":\"e\"}".getBytes(), "JSON feature vector of the earlier form");
        assertRefused(new byte[] {0x47, 1}, "first byte 0x47");
        byte[] record = golden();
        record[1] = 2;
        assertRefused(record, "format version 2");
    }

    @Test
    void refusesEveryTruncation() {
        byte[] record = golden();
        for (int length = 0; length < record.length; length++) {
            byte[] prefix = Arrays.copyOf(record, length);
            assertThatThrownBy(() -> codec.decode(prefix))
                    .as("the first %d bytes", length)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageMatching(length == 0 ? "empty.*" : "(truncated|.*runs past the end).*");
        }
    }

    @Test
    void refusesTrailingBytes() {
        assertRefused(Arrays.copyOf(golden(), golden().length + 1), "1 trailing bytes after the last of 3 values");
        assertRefused(Arrays.copyOf(golden(), golden().length + 8), "8 trailing bytes after the last of 3 values");
    }

    @Test
    void refusesUnknownEventTypes() {
        byte[] record = golden();
        record[14] = (byte) EventType.values().length;
        assertRefused(record, "unknown event type code " + EventType.values().length);
        record[14] = (byte) 0xFF;
        assertRefused(record, "unknown event type code 255");
    }

    @Test
    void refusesLengthsAndCountsBeyondTheRecord() {
        byte[] record = golden();
        record[15] = 0;
        record[16] = 60; // event_id length 60 of a 57-byte record
        assertRefused(record, "event_id length 60 runs past the end of the record (40 bytes left)");

        record = golden();
        record[25] = (byte) 0xFF;
        record[26] = (byte) 0xFF; // user_id length 65535
        assertRefused(record, "user_id length 65535 runs past the end");

        record = golden();
        record[31] = (byte) 0xFF;
        record[32] = (byte) 0xFF; // count 65535: its top bit is set, still a count, never negative
        assertRefused(record, "65535 values need 524280 bytes, 24 left");

        record = golden();
        record[32] = 2; // count 2 of 3 values: the third is trailing
        assertRefused(record, "8 trailing bytes after the last of 2 values");
    }

    @Test
    void refusesMalformedUtf8() {
        byte[] record = golden();
        record[30] = (byte) 0xC3; // "u-ü" becomes "u-" + C3 C3: a lead byte with no continuation
        assertRefused(record, "user_id is not well-formed UTF-8");
    }

    /** Random bytes, and valid records with random damage, only ever decode or raise IllegalArgumentException. */
    @Test
    void fuzzOnlyEverRaisesIllegalArgumentException() {
        Random random = new Random(20240607);
        byte[] valid = codec.encode(vector("sim-1-2", "user-ü", new double[] {1, 2, 3, 4, 5}));
        int decoded = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] bytes;
            if (i % 2 == 0) {
                bytes = new byte[random.nextInt(80)];
                random.nextBytes(bytes);
                if (i % 4 == 0 && bytes.length >= 2) { // past the marker check, into the layout
                    bytes[0] = FeatureVectorCodec.MARKER;
                    bytes[1] = FeatureVectorCodec.FORMAT_VERSION;
                }
            } else {
                bytes = Arrays.copyOf(valid, Math.max(0, valid.length + random.nextInt(9) - 4));
                for (int flips = 1 + random.nextInt(3); flips > 0 && bytes.length > 2; flips--) {
                    bytes[2 + random.nextInt(bytes.length - 2)] = (byte) random.nextInt(256);
                }
            }
            try {
                FeatureVector vector = codec.decode(bytes);
                assertThat(codec.decode(codec.encode(vector))).isEqualTo(vector);
                decoded++;
            } catch (IllegalArgumentException refused) {
                assertThat(refused.getMessage()).isNotBlank();
            } catch (RuntimeException | Error other) {
                fail("decoding " + HexFormat.of().formatHex(bytes) + " raised " + other, other);
            }
        }
        assertThat(decoded).as("some damaged records still decode").isPositive();
    }

    private byte[] golden() {
        return codec.encode(new FeatureVector("sim-42-7", "u-\u00fc", EventType.ADD_TO_CART, T0, 1,
                new double[] {1.5, -0.0, -1}));
    }

    private void assertRefused(byte[] bytes, String reason) {
        assertThatThrownBy(() -> codec.decode(bytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason);
    }

    private static FeatureVector vector(String eventId, String userId, double[] values) {
        return new FeatureVector(eventId, userId, EventType.VIEW, T0, 1, values);
    }

    private static EventHeader header(String id, long ts, String user) {
        return new EventHeader(id, ts, user, "s-" + user);
    }

    private static int utf8Length(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
}
