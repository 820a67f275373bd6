package dev.flywheel.jobs.serving;

/**
 * One {@code model-updates} record as it crosses the job: the model name (the record key) and its
 * complete serving config as JSON, parsed where it is applied. A null config is a tombstone: the
 * model was deleted.
 */
public record ModelUpdate(String model, String configJson) {
}
