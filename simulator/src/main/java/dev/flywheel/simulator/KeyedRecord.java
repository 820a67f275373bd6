package dev.flywheel.simulator;

import java.util.Objects;

/**
 * One record as it goes on the wire.
 *
 * @param key         the user id, so that a user's events stay in order on one partition; null when a
 *                    malformed record has no recognisable user
 * @param value       the bytes to send: event JSON, or a malformed record meant for the dead-letter path
 * @param eventTimeMs event time of the record (for a malformed one, that of the event it replaced or
 *                    followed), used for pacing and progress
 * @param malformed   whether the record is meant to be rejected by the consumer
 */
public record KeyedRecord(String key, byte[] value, long eventTimeMs, boolean malformed) {
    public KeyedRecord {
        Objects.requireNonNull(value, "value");
    }
}
