package dev.flywheel.trainer.dataset;

import dev.flywheel.events.Decoded;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.outcomes.Attribution;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Training rows from a shop's own events: a JSON-lines file in the event contract (docs/events.md),
 * one event per line, decoded by the platform's {@link EventCodec}, featurized by
 * {@link OfflineFeatureReplay} (the scoring job's feature code) and labelled by {@link Attribution}
 * (the rule its outcome stage applies). The rows are what the platform would have computed had the
 * file streamed through it.
 *
 * <p>A line the codec refuses is counted by reason and left out, as the job would dead-letter it;
 * blank lines are not events; an event id seen before is counted and left out, as downstream
 * deduplication would. None of these stops the read.
 */
public final class EventFileExamples {

    /**
     * @param examples   one row per accepted, distinct event, in the feature layer's order
     * @param lines      non-blank lines read
     * @param rejected   refused lines by reason code
     * @param duplicates lines repeating an event id already read
     */
    public record Read(LabelledExamples examples, long lines, Map<String, Long> rejected, long duplicates,
                       long firstEventTime, long lastEventTime) {

        public long rejectedLines() {
            return rejected.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private EventFileExamples() {
    }

    public static Read read(Path file, Attribution attribution, FeatureSettings settings) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return read(in, new EventCodec(), attribution, settings);
        }
    }

    public static Read read(InputStream in, EventCodec codec, Attribution attribution, FeatureSettings settings)
            throws IOException {
        List<ShopperEvent> events = new ArrayList<>();
        Map<String, Long> rejected = new TreeMap<>();
        Set<String> ids = new HashSet<>();
        long lines = 0;
        long duplicates = 0;
        ByteArrayOutputStream line = new ByteArrayOutputStream(512);
        int b;
        boolean more = true;
        while (more) {
            b = in.read();
            if (b >= 0 && b != '\n') {
                line.write(b);
                continue;
            }
            more = b >= 0;
            byte[] bytes = withoutCarriageReturn(line.toByteArray());
            line.reset();
            if (isBlank(bytes)) {
                continue;
            }
            lines++;
            Decoded decoded = codec.decode(bytes);
            if (decoded instanceof Decoded.Rejected refusal) {
                rejected.merge(refusal.reason().code(), 1L, Long::sum);
            } else if (decoded instanceof Decoded.Accepted accepted) {
                if (ids.add(accepted.event().eventId())) {
                    events.add(accepted.event());
                } else {
                    duplicates++;
                }
            }
        }
        events.sort(OfflineFeatureReplay.EVENT_ORDER);
        boolean[] labels = attribution.labels(events);
        OfflineFeatureReplay replay = new OfflineFeatureReplay(settings);
        List<LabelledExample> examples = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            FeatureVector vector = replay.apply(events.get(i));
            examples.add(new LabelledExample(vector.eventId(), vector.values(), labels[i], vector.eventTime(), Double.NaN));
        }
        long first = events.isEmpty() ? 0 : events.get(0).ts();
        long last = events.isEmpty() ? 0 : events.get(events.size() - 1).ts();
        return new Read(new LabelledExamples(FeatureSpec.current().names(), examples), lines,
                Collections.unmodifiableMap(rejected), duplicates, first, last);
    }

    private static byte[] withoutCarriageReturn(byte[] bytes) {
        return bytes.length > 0 && bytes[bytes.length - 1] == '\r'
                ? Arrays.copyOf(bytes, bytes.length - 1) : bytes;
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
