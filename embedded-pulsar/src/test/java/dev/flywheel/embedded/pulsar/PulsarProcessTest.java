package dev.flywheel.embedded.pulsar;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PulsarProcessTest {

    @Test
    void brokerInAChildProcessServesASharedSubscriptionAndStopsOnClose() throws Exception {
        long pid;
        try (PulsarProcess pulsar = PulsarProcess.start()) {
            System.out.printf("child broker ready in %d ms at %s%n", pulsar.startupTime().toMillis(), pulsar.serviceUrl());
            pid = pulsar.pid();
            assertThat(pid).isNotEqualTo(ProcessHandle.current().pid());
            assertThat(pulsar.serviceUrl()).startsWith("pulsar://127.0.0.1:");
            assertThat(pulsar.webServiceUrl()).startsWith("http://127.0.0.1:");
            EmbeddedPulsarTest.assertSharedSubscriptionSplitsTheWork(pulsar.serviceUrl(), 20);
        }
        Optional<ProcessHandle> child = ProcessHandle.of(pid);
        assertThat(child.map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
    }
}
