package dev.flywheel.simulator;

import dev.flywheel.events.EventType;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Exactly what a record stream produced: valid events per type and malformed records per kind (for
 * simulated streams the {@link MalformedRecords.Kind} name, for the Taobao replay the reason the row
 * could not be mapped). A pipeline's accepted and dead-lettered counts should equal these.
 */
public record RecordCounts(Map<EventType, Long> validByType, Map<String, Long> malformedByKind) {

    public RecordCounts {
        validByType = Collections.unmodifiableMap(new EnumMap<>(validByType));
        malformedByKind = Collections.unmodifiableMap(new TreeMap<>(malformedByKind));
    }

    public long valid(EventType type) {
        return validByType.getOrDefault(type, 0L);
    }

    public long valid() {
        return validByType.values().stream().mapToLong(Long::longValue).sum();
    }

    public long malformed() {
        return malformedByKind.values().stream().mapToLong(Long::longValue).sum();
    }

    public long total() {
        return valid() + malformed();
    }

    /** For example {@code 1,980 valid {view=900, ...}, 20 malformed {TRUNCATED=1, ...}}. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%,d valid {", valid()));
        validByType.forEach((type, count) -> text.append(type.wireName()).append('=').append(count).append(", "));
        if (!validByType.isEmpty()) {
            text.setLength(text.length() - 2);
        }
        return text.append(String.format(Locale.ROOT, "}, %,d malformed ", malformed()))
                .append(malformedByKind).toString();
    }

    /** Counts as a stream goes; {@link #snapshot()} gives the immutable figures. */
    static final class Counter {
        private final EnumMap<EventType, Long> valid = new EnumMap<>(EventType.class);
        private final Map<String, Long> malformed = new TreeMap<>();

        void valid(EventType type) {
            valid.merge(type, 1L, Long::sum);
        }

        void malformed(String kind) {
            malformed.merge(kind, 1L, Long::sum);
        }

        RecordCounts snapshot() {
            return new RecordCounts(valid, malformed);
        }
    }
}
