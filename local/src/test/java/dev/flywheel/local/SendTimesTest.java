package dev.flywheel.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.EventCodec;
import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.simulator.KeyedRecord;
import dev.flywheel.simulator.RecordSink;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SendTimesTest {
    private static final long RETENTION = 10_000;

    @Test
    void readsTheEventIdTheCodecWrites() {
        byte[] json = new EventCodec().encode(new ShopperEvent.View(
                new EventHeader("sim-42-17", 1_767_225_600_000L, "user-9", "sess-42-3"), "item-5", "books", 12.5));
        assertThat(SendTimes.eventId(json)).isEqualTo("sim-42-17");
    }

    @Test
    void givesUpOnWhatItCannotReadCheaply() {
        assertThat(SendTimes.eventId(bytes("{\"type\":\"view\"}"))).isNull();
        assertThat(SendTimes.eventId(bytes("{\"event_id\":\"a\\\"b\"}"))).isNull();
        assertThat(SendTimes.eventId(bytes("{\"event_id\":\"unterminated"))).isNull();
        assertThat(SendTimes.eventId(bytes("{\"event_id\":\"\"}"))).isNull();
        assertThat(SendTimes.eventId(bytes("{\"user_id\":\"u\",\"event_id\":\"e-2\"}"))).isEqualTo("e-2");
    }

    @Test
    void theFirstDecisionTakesTheTimeAndARepeatIsRecognised() {
        SendTimes times = new SendTimes(RETENTION);
        times.sent("e-1", 1_000);
        times.sent("e-2", 1_500);

        assertThat(times.take("e-2")).isEqualTo(1_500);
        assertThat(times.take("e-2")).isEqualTo(SendTimes.DUPLICATE);
        assertThat(times.take("e-3")).isEqualTo(SendTimes.UNKNOWN);
        assertThat(times.pending()).isEqualTo(1);
    }

    @Test
    void keepsEntriesOneRetentionAtLeastAndTwoAtMost() {
        SendTimes times = new SendTimes(RETENTION);
        times.sent("old", 0);
        times.take("old");
        times.sent("kept", 9_000);
        // A new generation begins; what came before is kept one more retention.
        times.sent("newer", 10_000);
        assertThat(times.take("kept")).isEqualTo(9_000);
        assertThat(times.take("old")).isEqualTo(SendTimes.DUPLICATE);

        times.sent("undecided", 15_000);
        times.sent("newest", 20_000);
        // Two generations on: "old" and its decision are forgotten; "newer" (sent at 10 s) is still kept.
        assertThat(times.take("old")).isEqualTo(SendTimes.UNKNOWN);
        assertThat(times.take("newer")).isEqualTo(10_000);
        assertThat(times.pending()).isEqualTo(2);
    }

    @Test
    void theTimingSinkNotesWellFormedRecordsAndPassesEverythingOn() {
        SendTimes times = new SendTimes(RETENTION);
        List<KeyedRecord> passed = new ArrayList<>();
        RecordSink sink = times.timing(new RecordSink() {
            @Override
            public void send(KeyedRecord record) {
                passed.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        long before = System.currentTimeMillis();
        sink.send(new KeyedRecord("u", bytes("{\"event_id\":\"good\"}"), 0, false));
        sink.send(new KeyedRecord("u", bytes("{\"event_id\":\"bad\""), 0, true));

        assertThat(passed).hasSize(2);
        assertThat(times.take("good")).isBetween(before, System.currentTimeMillis());
        assertThat(times.take("bad")).isEqualTo(SendTimes.UNKNOWN);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
