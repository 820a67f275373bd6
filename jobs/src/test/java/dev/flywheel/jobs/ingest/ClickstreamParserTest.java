package dev.flywheel.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.EventHeader;
import dev.flywheel.events.RejectReason;
import dev.flywheel.events.ShopperEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;

class ClickstreamParserTest {

    private static final long NOW = Instant.parse("2026-03-01T12:00:00Z").toEpochMilli();
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
    private static final byte[] KEY = "u-1".getBytes(StandardCharsets.UTF_8);

    private final ClickstreamParser parser =
            new ClickstreamParser(EventCodec.DEFAULT_MAX_PAYLOAD_BYTES, CLOCK, new UnregisteredMetricsGroup());

    private Either<DeadLetter, ShopperEvent> parse(long offset, byte[] value) {
        return parser.parse("clickstream", 3, offset, NOW - 5, KEY, value);
    }

    @Test
    void validEventsPassAndBadRecordsBecomeDeadLettersWithTheirBytesAndSource() {
        ShopperEvent view = new ShopperEvent.View(new EventHeader("e-1", NOW, "u-1", "s-1"), "i-1", "shoes", 10.0);
        byte[] valid = new EventCodec(CLOCK, EventCodec.DEFAULT_MAX_PAYLOAD_BYTES).encode(view);
        byte[] notJson = "{\"type\":".getBytes(StandardCharsets.UTF_8);
        byte[] invalidUtf8 = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        byte[] secondsNotMillis = new String(valid, StandardCharsets.UTF_8)
                .replace("\"ts\":" + NOW, "\"ts\":" + NOW / 1000).getBytes(StandardCharsets.UTF_8);

        assertThat(parse(10, valid).right()).isEqualTo(view);

        List<DeadLetter> dead = Stream.of(parse(11, notJson), parse(12, invalidUtf8), parse(13, null),
                parse(14, secondsNotMillis)).map(Either::left).toList();
        assertThat(dead).extracting(DeadLetter::reason).containsExactly(
                RejectReason.MALFORMED_JSON.code(), RejectReason.INVALID_UTF8.code(),
                RejectReason.EMPTY_PAYLOAD.code(), RejectReason.TIMESTAMP_TOO_OLD.code());
        assertThat(dead).extracting(DeadLetter::sourceOffset).containsExactly(11L, 12L, 13L, 14L);
        assertThat(dead).allSatisfy(letter -> {
            assertThat(letter.sourceTopic()).isEqualTo("clickstream");
            assertThat(letter.sourcePartition()).isEqualTo(3);
            assertThat(letter.sourceTimestamp()).isEqualTo(NOW - 5);
            assertThat(letter.rejectedAt()).isEqualTo(NOW);
            assertThat(letter.detail()).isNotBlank();
            assertThat(letter.key()).isEqualTo(KEY);
        });
        assertThat(dead.get(0).payload()).isEqualTo(notJson);
        assertThat(dead.get(1).payload()).isEqualTo(invalidUtf8);
        assertThat(dead.get(2).payload()).isEmpty();
        assertThat(dead.get(3).payload()).isEqualTo(secondsNotMillis);
    }

    @Test
    void deadLettersNeverMoveTheWatermark() {
        assertThat(ParsingDeserializer.eventTime(parse(1, new byte[] {'x'}))).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void routingSendsDeadLettersToTheSideOutputAndEventsOn() throws Exception {
        ShopperEvent click = new ShopperEvent.Click(new EventHeader("e-2", NOW, "u-2", "s-2"), "i-9", "bags", null, null);
        DeadLetter letter = parse(7, new byte[0]).left();
        try (OneInputStreamOperatorTestHarness<Either<DeadLetter, ShopperEvent>, ShopperEvent> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(new RouteDeadLetters())) {
            harness.processElement(Either.Right(click), NOW);
            harness.processElement(Either.Left(letter), Long.MIN_VALUE);
            assertThat(harness.extractOutputValues()).containsExactly(click);
            assertThat(harness.getSideOutput(RouteDeadLetters.DEAD_LETTERS)).extracting(StreamRecord::getValue)
                    .containsExactly(letter);
        }
    }
}
