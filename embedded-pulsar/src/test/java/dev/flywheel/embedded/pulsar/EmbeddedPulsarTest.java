package dev.flywheel.embedded.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPulsarTest {
    private static final String TOPIC = "persistent://public/default/round-trip";

    /**
     * Two brokers one after the other in one JVM (what two test classes in one surefire fork do):
     * each serves a shared subscription, and each leaves no data behind.
     */
    @Test
    void startsTwiceInOneJvmAndSharesASubscriptionEachTime() throws Exception {
        for (int run = 0; run < 2; run++) {
            Path dataDir;
            try (EmbeddedPulsar pulsar = EmbeddedPulsar.start()) {
                System.out.printf("broker %d ready in %d ms at %s%n", run + 1, pulsar.startupTime().toMillis(),
                        pulsar.serviceUrl());
                dataDir = pulsar.dataDir();
                assertThat(dataDir).isDirectory();
                assertThat(pulsar.serviceUrl()).startsWith("pulsar://127.0.0.1:");
                assertSharedSubscriptionSplitsTheWork(pulsar.serviceUrl(), 40);
            }
            assertThat(dataDir).doesNotExist();
        }
    }

    /** A broker on a chosen data directory finds its topics, subscriptions and unacknowledged messages again. */
    @Test
    void keepsMessagesInAChosenDataDirectoryAcrossRestarts(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("pulsar");
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().dataDir(data).start();
             PulsarClient client = pulsar.newClient()) {
            client.newConsumer().topic(TOPIC).subscriptionName("kept").subscribe().close();
            try (Producer<byte[]> producer = client.newProducer().topic(TOPIC).create()) {
                producer.send("survives a restart".getBytes(StandardCharsets.UTF_8));
            }
        }
        assertThat(data.resolve("metadata")).isDirectory();
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().dataDir(data).start();
             PulsarClient client = pulsar.newClient();
             Consumer<byte[]> consumer = client.newConsumer().topic(TOPIC).subscriptionName("kept").subscribe()) {
            Message<byte[]> message = consumer.receive(60, TimeUnit.SECONDS);
            assertThat(message).isNotNull();
            assertThat(new String(message.getValue(), StandardCharsets.UTF_8)).isEqualTo("survives a restart");
        }
    }

    @Test
    void refusesAPortInUseInOneLine() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            assertThatThrownBy(() -> EmbeddedPulsar.builder().brokerPort(taken.getLocalPort()).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("Port " + taken.getLocalPort() + " on 127.0.0.1 is already in use");
        }
    }

    /**
     * 40 messages to a shared subscription with two consumers: every message reaches exactly one
     * of them, and both get some (a small receiver queue keeps one consumer from prefetching all).
     */
    static void assertSharedSubscriptionSplitsTheWork(String serviceUrl, int messages) throws Exception {
        try (PulsarClient client = PulsarClient.builder().serviceUrl(serviceUrl).build();
             Consumer<byte[]> first = sharedConsumer(client);
             Consumer<byte[]> second = sharedConsumer(client);
             Producer<byte[]> producer = client.newProducer().topic(TOPIC).enableBatching(false).create()) {
            for (int i = 0; i < messages; i++) {
                producer.send(("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            List<String> received = new ArrayList<>();
            Set<String> byFirst = new HashSet<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (received.size() < messages && System.nanoTime() < deadline) {
                for (Consumer<byte[]> consumer : List.of(first, second)) {
                    Message<byte[]> message = consumer.receive(50, TimeUnit.MILLISECONDS);
                    if (message != null) {
                        String value = new String(message.getValue(), StandardCharsets.UTF_8);
                        received.add(value);
                        if (consumer == first) {
                            byFirst.add(value);
                        }
                        consumer.acknowledge(message);
                    }
                }
            }
            assertThat(received).hasSize(messages).doesNotHaveDuplicates();
            assertThat(byFirst).isNotEmpty().hasSizeLessThan(messages);
        }
    }

    private static Consumer<byte[]> sharedConsumer(PulsarClient client) throws Exception {
        return client.newConsumer().topic(TOPIC).subscriptionName("workers")
                .subscriptionType(SubscriptionType.Shared)
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest)
                .receiverQueueSize(1)
                .subscribe();
    }
}
