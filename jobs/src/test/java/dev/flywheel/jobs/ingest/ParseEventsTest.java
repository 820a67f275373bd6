package dev.flywheel.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.EventHeader;
import dev.flywheel.events.RejectReason;
import dev.flywheel.events.ShopperEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class ParseEventsTest {

    private static final long NOW = System.currentTimeMillis();

    private static SourceRecord record(long offset, byte[] value) {
        return new SourceRecord("clickstream", 3, offset, NOW, "u-1".getBytes(StandardCharsets.UTF_8), value);
    }

    @Test
    void validEventsPassAndBadRecordsBecomeDeadLettersWithTheirBytesAndSource() throws Exception {
        ShopperEvent view = new ShopperEvent.View(new EventHeader("e-1", NOW, "u-1", "s-1"), "i-1", "shoes", 10.0);
        byte[] valid = new EventCodec().encode(view);
        byte[] notJson = "{\"type\":".getBytes(StandardCharsets.UTF_8);
        byte[] invalidUtf8 = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        byte[] secondsNotMillis = new String(valid, StandardCharsets.UTF_8)
                .replace("\"ts\":" + NOW, "\"ts\":" + NOW / 1000).getBytes(StandardCharsets.UTF_8);

        try (OneInputStreamOperatorTestHarness<SourceRecord, ShopperEvent> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(new ParseEvents(EventCodec.DEFAULT_MAX_PAYLOAD_BYTES))) {
            harness.processElement(record(10, valid), NOW);
            harness.processElement(record(11, notJson), NOW);
            harness.processElement(record(12, invalidUtf8), NOW);
            harness.processElement(record(13, null), NOW);
            harness.processElement(record(14, secondsNotMillis), NOW);

            assertThat(harness.extractOutputValues()).containsExactly(view);

            ConcurrentLinkedQueue<StreamRecord<DeadLetter>> letters = harness.getSideOutput(ParseEvents.DEAD_LETTERS);
            List<DeadLetter> dead = letters.stream().map(StreamRecord::getValue).toList();
            assertThat(dead).extracting(DeadLetter::reason).containsExactly(
                    RejectReason.MALFORMED_JSON.code(), RejectReason.INVALID_UTF8.code(),
                    RejectReason.EMPTY_PAYLOAD.code(), RejectReason.TIMESTAMP_TOO_OLD.code());
            assertThat(dead).extracting(DeadLetter::sourceOffset).containsExactly(11L, 12L, 13L, 14L);
            assertThat(dead).allSatisfy(letter -> {
                assertThat(letter.sourceTopic()).isEqualTo("clickstream");
                assertThat(letter.sourcePartition()).isEqualTo(3);
                assertThat(letter.detail()).isNotBlank();
                assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo("u-1");
            });
            assertThat(dead.get(0).payload()).isEqualTo(notJson);
            assertThat(dead.get(1).payload()).isEqualTo(invalidUtf8);
            assertThat(dead.get(2).payload()).isEmpty();
            assertThat(dead.get(3).payload()).isEqualTo(secondsNotMillis);
        }
    }
}
