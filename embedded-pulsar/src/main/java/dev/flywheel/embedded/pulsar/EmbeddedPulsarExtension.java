package dev.flywheel.embedded.pulsar;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link EmbeddedPulsar} per test class.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedPulsarExtension PULSAR = new EmbeddedPulsarExtension();
 * ... PULSAR.pulsar().serviceUrl() ...
 * }</pre>
 *
 * <p>JUnit is an optional dependency of this module: the class is only usable where JUnit
 * already is, and applications that start a broker at run time do not get JUnit with it.
 */
public final class EmbeddedPulsarExtension implements BeforeAllCallback, AfterAllCallback {

    private final EmbeddedPulsar.Builder builder;
    private EmbeddedPulsar pulsar;
    // @Nested classes run the callbacks again; only the class that started the broker stops it.
    private String ownerId;

    public EmbeddedPulsarExtension() {
        this(EmbeddedPulsar.builder());
    }

    public EmbeddedPulsarExtension(EmbeddedPulsar.Builder builder) {
        this.builder = builder;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (pulsar == null) {
            pulsar = builder.start();
            ownerId = context.getUniqueId();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (pulsar != null && context.getUniqueId().equals(ownerId)) {
            pulsar.close();
            pulsar = null;
        }
    }

    public EmbeddedPulsar pulsar() {
        if (pulsar == null) {
            throw new IllegalStateException(
                    "No broker running: register EmbeddedPulsarExtension with @RegisterExtension on a static field");
        }
        return pulsar;
    }
}
