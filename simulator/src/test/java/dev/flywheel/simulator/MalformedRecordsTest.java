package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.events.Decoded;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.EventHeader;
import dev.flywheel.events.RejectReason;
import dev.flywheel.events.ShopperEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MalformedRecordsTest {
    private static final Instant NOW = Instant.parse("2025-06-01T00:00:00Z");
    private static final long TS = NOW.toEpochMilli() - 3_600_000L;
    private static final EventCodec CODEC = new EventCodec(Clock.fixed(NOW, ZoneOffset.UTC),
            EventCodec.DEFAULT_MAX_PAYLOAD_BYTES);
    private static final int SEEDS = 25;

    /** Every type, with and without optional fields and extras, plus a Taobao-style event from 2017. */
    private static final List<ShopperEvent> VALID_EVENTS = List.of(
            new ShopperEvent.View(header("e-1", null), "i-1", "c-1", 19.99),
            new ShopperEvent.View(new EventHeader("tb-7", 1_511_544_070_000L, "1", "1-3"), "2333346",
                    "2520771", null),
            new ShopperEvent.Search(header("e-2", null), "red shoes", List.of("i-1", "i-2"), "r-1"),
            new ShopperEvent.Search(header("e-3", "{\"page\":2}"), "caf\u00e9 \uD83D\uDED2", List.of(), "r-2"),
            new ShopperEvent.Click(header("e-4", null), "i-2", "c-1", null, "r-1"),
            new ShopperEvent.Click(header("e-5", "{\"pos\":3,\"ab\":{\"arm\":\"b\"}}"), "i-2", "c-1", 5.0, null),
            new ShopperEvent.AddToCart(header("e-6", null), "i-2", "c-1", 5.0, 2),
            new ShopperEvent.RemoveFromCart(header("e-7", null), "i-2", "c-1", null, 1),
            new ShopperEvent.AddToWishlist(header("e-8", null), "\u5546\u54c1-9", "c-2", null),
            new ShopperEvent.Purchase(header("e-9", null), "o-1", "i-2", "c-1", 5.0, 1),
            new ShopperEvent.Return(header("e-10", "{\"why\":\"too small\"}"), "o-1", "i-2", "c-1", 0.0, 1));

    @ParameterizedTest
    @EnumSource(MalformedRecords.Kind.class)
    void everyKindIsRejectedWithItsReasonForEveryEventType(MalformedRecords.Kind kind) {
        for (ShopperEvent event : VALID_EVENTS) {
            byte[] valid = CODEC.encode(event);
            assertThat(CODEC.decode(valid)).isInstanceOf(Decoded.Accepted.class);
            for (int seed = 0; seed < SEEDS; seed++) {
                byte[] corrupted = MalformedRecords.corrupt(kind, valid, new SplittableRandom(seed));

                Decoded decoded = CODEC.decode(corrupted);

                assertThat(decoded)
                        .as("%s of %s, seed %d: %s", kind, event.type(), seed, preview(corrupted))
                        .isInstanceOfSatisfying(Decoded.Rejected.class,
                                rejected -> assertThat(rejected.reason()).isEqualTo(kind.expectedReason()));
            }
        }
    }

    @Test
    void acceptsPrettyPrintedInput() {
        String pretty = """
                {
                  "event_id": "e-1", "type": "view", "ts": %d,
                  "user_id": "u-1", "session_id": "s-1", "item_id": "i-1", "category": "c-1"
                }
                """.formatted(TS);
        for (MalformedRecords.Kind kind : MalformedRecords.Kind.values()) {
            byte[] corrupted = MalformedRecords.corrupt(kind, pretty.getBytes(StandardCharsets.UTF_8), new SplittableRandom(1));

            assertThat(((Decoded.Rejected) CODEC.decode(corrupted)).reason()).as(kind.name()).isEqualTo(kind.expectedReason());
        }
    }

    @Test
    void kindsCoverEveryRejectReason() {
        Set<RejectReason> covered = EnumSet.noneOf(RejectReason.class);
        for (MalformedRecords.Kind kind : MalformedRecords.Kind.values()) {
            covered.add(kind.expectedReason());
        }

        assertThat(MalformedRecords.Kind.values()).hasSizeGreaterThanOrEqualTo(22);
        assertThat(covered).isEqualTo(EnumSet.allOf(RejectReason.class));
    }

    @Test
    void kindForCyclesThroughAllKinds() {
        int n = MalformedRecords.Kind.values().length;

        Set<MalformedRecords.Kind> firstCycle = LongStream.range(0, n).mapToObj(MalformedRecords::kindFor)
                .collect(Collectors.toSet());

        assertThat(firstCycle).hasSize(n);
        assertThat(MalformedRecords.kindFor(n)).isEqualTo(MalformedRecords.kindFor(0));
        assertThat(MalformedRecords.kindFor(5L * n + 3)).isEqualTo(MalformedRecords.kindFor(3));
        assertThat(MalformedRecords.kindFor(-1)).isEqualTo(MalformedRecords.kindFor(n - 1));
        assertThat(MalformedRecords.kindFor(Long.MAX_VALUE)).isNotNull();
    }

    @Test
    void sameSeedGivesSameBytes() {
        byte[] valid = CODEC.encode(VALID_EVENTS.get(0));
        for (MalformedRecords.Kind kind : MalformedRecords.Kind.values()) {
            assertThat(MalformedRecords.corrupt(kind, valid, new SplittableRandom(42)))
                    .as(kind.name())
                    .isEqualTo(MalformedRecords.corrupt(kind, valid, new SplittableRandom(42)));
        }
    }

    @Test
    void randomisedKindsVaryWithTheSeed() {
        byte[] valid = CODEC.encode(VALID_EVENTS.get(0));
        for (MalformedRecords.Kind kind : List.of(MalformedRecords.Kind.TRUNCATED, MalformedRecords.Kind.RANDOM_BYTES,
                MalformedRecords.Kind.INVALID_UTF8, MalformedRecords.Kind.DUPLICATE_KEY)) {
            long distinct = IntStream.range(0, 20)
                    .mapToObj(seed -> new String(MalformedRecords.corrupt(kind, valid, new SplittableRandom(seed)),
                            StandardCharsets.ISO_8859_1))
                    .distinct().count();
            assertThat(distinct).as(kind.name()).isGreaterThan(3);
        }
    }

    @Test
    void typeChangingKindsLeaveTheOtherFieldsAsExtras() {
        byte[] search = CODEC.encode(VALID_EVENTS.get(2));

        String zeroQuantity = new String(MalformedRecords.corrupt(MalformedRecords.Kind.ZERO_QUANTITY, search,
                new SplittableRandom(0)), StandardCharsets.UTF_8);

        assertThat(zeroQuantity).contains("\"type\":\"add_to_cart\"", "\"quantity\":0");
        // Only the quantity is wrong: with it mended, the search's own fields ride along as extras.
        Decoded mended = CODEC.decode(zeroQuantity.replace("\"quantity\":0", "\"quantity\":1")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(mended).isInstanceOfSatisfying(Decoded.Accepted.class, ok -> assertThat(ok.event().header().extras())
                .isEqualTo("{\"query\":\"red shoes\",\"request_id\":\"r-1\",\"results\":[\"i-1\",\"i-2\"]}"));
    }

    @Test
    void refusesInputThatIsNotAnObject() {
        assertThatThrownBy(() -> MalformedRecords.corrupt(MalformedRecords.Kind.MISSING_TYPE,
                "[1]".getBytes(StandardCharsets.UTF_8), new SplittableRandom(0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static EventHeader header(String eventId, String extras) {
        return new EventHeader(eventId, TS, "u-1", "s-1", extras);
    }

    private static String preview(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
