package dev.flywheel.registry.changes;

import dev.flywheel.models.ServingConfig;

/** Announces a model's complete serving configuration to whoever serves it. */
public interface ChangePublisher extends AutoCloseable {

    /**
     * Publishes and returns once the announcement is durable.
     *
     * @throws RuntimeException if it could not be published
     */
    void publish(ServingConfig config);

    @Override
    default void close() {
    }

    /** For a local registry without Kafka: changes are only visible through the HTTP API. */
    ChangePublisher NONE = config -> { };
}
