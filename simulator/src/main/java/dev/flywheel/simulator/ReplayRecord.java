package dev.flywheel.simulator;

import dev.flywheel.events.ShopperEvent;
import java.util.Objects;

/** One row of a replayed file: a contract event, or the raw bytes of a row that could not be mapped. */
public sealed interface ReplayRecord {

    /** 1-based line number in the file. */
    long rowNumber();

    record Mapped(long rowNumber, ShopperEvent event) implements ReplayRecord {
        public Mapped {
            Objects.requireNonNull(event, "event");
        }
    }

    /**
     * Sent on as it is, so the consuming job dead-letters it with its original bytes.
     *
     * @param raw    the line without its line terminator
     * @param reason why it could not be mapped, for example {@code wrong_column_count}
     */
    record Unmapped(long rowNumber, byte[] raw, String reason) implements ReplayRecord {
        public Unmapped {
            Objects.requireNonNull(raw, "raw");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
