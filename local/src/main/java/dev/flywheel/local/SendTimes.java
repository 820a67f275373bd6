package dev.flywheel.local;

import dev.flywheel.simulator.KeyedRecord;
import dev.flywheel.simulator.RecordSink;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * When each event was handed to the Kafka producer, by event id: the start of the event-to-decision
 * latency the status line shows. The decisions reader takes an event's time when its first decision
 * arrives; the id is then remembered as decided, so that the same decision delivered again (the
 * decisions sink is at-least-once: a restarted job repeats what followed its last checkpoint) is
 * told apart from a slow one.
 *
 * <p>Events that never get a decision (unscored before the model loaded, malformed) must not pile
 * up, so send times and decided ids are kept in two generations of {@code retentionMillis} each,
 * the older dropped whole: an entry lives at least one retention and at most two. A decision that
 * arrives later than that finds nothing: {@link #UNKNOWN}, which the caller reports as slower than
 * the retention.
 */
final class SendTimes {
    /** {@link #take}: the event was decided before; this is a repeated delivery. */
    static final long DUPLICATE = -1;
    /** {@link #take}: nothing is known of the event (never timed, or no longer kept). */
    static final long UNKNOWN = -2;

    private static final byte[] EVENT_ID_FIELD = "\"event_id\":\"".getBytes(StandardCharsets.UTF_8);

    private final long retentionMillis;
    private Map<String, Long> current = new HashMap<>();
    private Map<String, Long> previous = new HashMap<>();
    private Set<String> decided = new HashSet<>();
    private Set<String> decidedBefore = new HashSet<>();
    private long currentSince = Long.MIN_VALUE;

    SendTimes(long retentionMillis) {
        this.retentionMillis = retentionMillis;
    }

    long retentionMillis() {
        return retentionMillis;
    }

    synchronized void sent(String eventId, long atMillis) {
        if (currentSince == Long.MIN_VALUE) {
            currentSince = atMillis;
        } else if (atMillis - currentSince >= retentionMillis) {
            previous = current;
            current = new HashMap<>();
            decidedBefore = decided;
            decided = new HashSet<>();
            currentSince = atMillis;
        }
        current.put(eventId, atMillis);
    }

    /** The event's send time (epoch ms) at its first decision, then {@link #DUPLICATE}; or {@link #UNKNOWN}. */
    synchronized long take(String eventId) {
        Long sent = current.remove(eventId);
        if (sent == null) {
            sent = previous.remove(eventId);
        }
        if (sent != null) {
            decided.add(eventId);
            return sent;
        }
        return decided.contains(eventId) || decidedBefore.contains(eventId) ? DUPLICATE : UNKNOWN;
    }

    /** Send times held: events sent within the retention and not decided yet. */
    synchronized int pending() {
        return current.size() + previous.size();
    }

    /**
     * The {@code event_id} of an event's JSON as the codec writes it (unescaped, first field), or null:
     * cheaper than parsing every record the producer sends, and a record it can't read just goes
     * untimed.
     */
    static String eventId(byte[] json) {
        outer:
        for (int i = 0; i + EVENT_ID_FIELD.length <= json.length; i++) {
            for (int j = 0; j < EVENT_ID_FIELD.length; j++) {
                if (json[i + j] != EVENT_ID_FIELD[j]) {
                    continue outer;
                }
            }
            int start = i + EVENT_ID_FIELD.length;
            for (int end = start; end < json.length; end++) {
                if (json[end] == '\\') {
                    return null;
                }
                if (json[end] == '"') {
                    return end > start ? new String(json, start, end - start, StandardCharsets.UTF_8) : null;
                }
            }
            return null;
        }
        return null;
    }

    /** A sink that notes the send time of every well-formed record it passes on. */
    RecordSink timing(RecordSink sink) {
        return new RecordSink() {
            @Override
            public void send(KeyedRecord record) {
                if (!record.malformed()) {
                    String eventId = eventId(record.value());
                    if (eventId != null) {
                        sent(eventId, System.currentTimeMillis());
                    }
                }
                sink.send(record);
            }

            @Override
            public void flush() {
                sink.flush();
            }

            @Override
            public void close() {
                sink.close();
            }
        };
    }
}
