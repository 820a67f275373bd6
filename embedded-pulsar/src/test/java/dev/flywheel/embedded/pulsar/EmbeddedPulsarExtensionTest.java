package dev.flywheel.embedded.pulsar;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EmbeddedPulsarExtensionTest {

    @RegisterExtension
    static final EmbeddedPulsarExtension PULSAR = new EmbeddedPulsarExtension();

    private static EmbeddedPulsar outerBroker;

    @BeforeAll
    static void rememberBroker() {
        outerBroker = PULSAR.pulsar();
    }

    @Test
    void brokerIsRunning() throws Exception {
        PULSAR.pulsar().createTopic("persistent://public/default/extension");
        try (var admin = PULSAR.pulsar().admin()) {
            assertThat(admin.topics().getList("public/default"))
                    .contains("persistent://public/default/extension");
        }
    }

    @Nested
    class NestedTests {
        @Test
        void nestedClassSharesTheOuterBroker() {
            // The nested class's beforeAll must not start a second broker.
            assertThat(PULSAR.pulsar()).isSameAs(outerBroker);
        }
    }
}
