package dev.flywheel.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.EventCodec;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shop's own JSON-lines file: rows as the platform would compute them, bad lines counted and left out. */
class EventFileExamplesTest {
    private static final Attribution TEN_MINUTES = new Attribution(Duration.ofMinutes(10));

    @TempDir
    Path temp;

    @Test
    void rowsAreTheReplaysVectorsWithTheAttributionsLabelsAndBadLinesAreCounted() throws Exception {
        List<ShopperEvent> events = new ShopSimulator(SimulatorConfig.defaults(5).withUsers(300)).take(3_000).stream()
                .map(SimulatedEvent::event).toList();
        EventCodec codec = new EventCodec();
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        // A shop's export: not in time order, Windows line ends here and there, a repeat, blanks and junk.
        List<ShopperEvent> shuffled = new ArrayList<>(events);
        Collections.shuffle(shuffled, new Random(1));
        for (int i = 0; i < shuffled.size(); i++) {
            file.write(codec.encode(shuffled.get(i)));
            file.write((i % 7 == 0 ? "\r\n" : "\n").getBytes(StandardCharsets.UTF_8));
            if (i == 10) {
                file.write("{\"event_id\":\"x\",\"type\":\"view\"\n".getBytes(StandardCharsets.UTF_8));
                file.write("\n   \n".getBytes(StandardCharsets.UTF_8));
                file.write(codec.encode(shuffled.get(3)));
                file.write('\n');
            }
            if (i == 20) {
                file.write("{\"event_id\":\"y\",\"type\":\"view\",\"ts\":1767225600000,\"user_id\":\"u\",\"session_id\":\"s\"}\n"
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        Path path = Files.write(temp.resolve("events.jsonl"), file.toByteArray());

        EventFileExamples.Read read = EventFileExamples.read(path, TEN_MINUTES, FeatureSettings.defaults());

        assertThat(read.lines()).isEqualTo(3_003);
        assertThat(read.rejected()).isEqualTo(Map.of("malformed_json", 1L, "missing_field", 1L));
        assertThat(read.duplicates()).isEqualTo(1);
        List<ShopperEvent> ordered = events.stream().sorted(OfflineFeatureReplay.EVENT_ORDER).toList();
        List<FeatureVector> vectors = OfflineFeatureReplay.replay(ordered, FeatureSettings.defaults());
        boolean[] labels = TEN_MINUTES.labels(ordered);
        assertThat(read.examples().size()).isEqualTo(3_000);
        for (int i = 0; i < ordered.size(); i++) {
            LabelledExample row = read.examples().examples().get(i);
            assertThat(row.eventId()).isEqualTo(ordered.get(i).eventId());
            assertThat(row.features()).as(row.eventId()).containsExactly(vectors.get(i).values());
            assertThat(row.purchased()).as(row.eventId()).isEqualTo(labels[i]);
            assertThat(row.hasTruth()).isFalse();
        }
        assertThat(read.examples().positives()).isPositive();
        assertThat(read.firstEventTime()).isEqualTo(ordered.get(0).ts());
        assertThat(read.lastEventTime()).isEqualTo(ordered.get(ordered.size() - 1).ts());
    }
}
