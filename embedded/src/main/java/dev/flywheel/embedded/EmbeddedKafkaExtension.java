package dev.flywheel.embedded;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link EmbeddedKafka} per test class.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
 * ... KAFKA.kafka().bootstrapServers() ...
 * }</pre>
 *
 * <p>JUnit is an optional dependency of this module: the class is only usable where JUnit
 * already is, and applications that start a broker at run time do not get JUnit with it.
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, AfterAllCallback {

    private final EmbeddedKafka.Builder builder;
    private EmbeddedKafka kafka;
    // @Nested classes run the callbacks again; only the class that started the broker stops it.
    private String ownerId;

    public EmbeddedKafkaExtension() {
        this(EmbeddedKafka.builder());
    }

    public EmbeddedKafkaExtension(EmbeddedKafka.Builder builder) {
        this.builder = builder;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (kafka == null) {
            kafka = builder.start();
            ownerId = context.getUniqueId();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (kafka != null && context.getUniqueId().equals(ownerId)) {
            kafka.close();
            kafka = null;
        }
    }

    public EmbeddedKafka kafka() {
        if (kafka == null) {
            throw new IllegalStateException(
                    "No broker running: register EmbeddedKafkaExtension with @RegisterExtension on a static field");
        }
        return kafka;
    }
}
