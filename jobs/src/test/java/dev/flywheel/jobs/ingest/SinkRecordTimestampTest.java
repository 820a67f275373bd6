package dev.flywheel.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Output records must not carry event time as their Kafka timestamp: replaying 2017 data would
 * write records the broker's retention deletes at once (seen as records vanishing in tests).
 */
class SinkRecordTimestampTest {

    private static final long OLD = Instant.parse("2017-11-26T01:00:00Z").toEpochMilli();

    @Test
    void lateEventsAreStampedByTheProducerNotByEventTime() {
        ShopperEvent old = new ShopperEvent.View(new EventHeader("e", OLD, "u", "s"), "i", "c", null);
        assertThat(new EventRecordSerializer("late").serialize(old, null, OLD).timestamp()).isNull();
    }

    @Test
    void deadLettersAreStampedByTheProducerNotByTheSourceRecord() {
        DeadLetter letter = new DeadLetter("malformed_json", "x", "clickstream", 0, 1, OLD, null, new byte[] {1}, OLD);
        assertThat(new DeadLetterRecordSerializer("dlq").serialize(letter, null, OLD).timestamp()).isNull();
    }
}
