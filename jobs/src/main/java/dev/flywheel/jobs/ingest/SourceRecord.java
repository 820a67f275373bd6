package dev.flywheel.jobs.ingest;

/**
 * A record as it came off the wire, before parsing: the bytes plus where they came from, so a
 * rejection can name its source and keep the original bytes.
 */
public record SourceRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
}
