package dev.flywheel.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EmbeddedKafkaExtensionTest {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static EmbeddedKafka outerBroker;

    @BeforeAll
    static void rememberBroker() {
        outerBroker = KAFKA.kafka();
    }

    @Test
    void brokerIsRunning() {
        KAFKA.kafka().createTopic("ext", 3);
        assertThat(KAFKA.kafka().count("ext")).isZero();
    }

    @Nested
    class NestedTests {
        @Test
        void nestedClassSharesTheOuterBroker() {
            // The nested class's beforeAll must not start a second broker.
            assertThat(KAFKA.kafka()).isSameAs(outerBroker);
        }
    }
}
