package dev.flywheel.jobs.retrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.embedded.pulsar.PulsarProcess;
import dev.flywheel.retrain.RetrainRequest;
import dev.flywheel.retrain.RetrainRequestJson;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The retrain sink against a real Pulsar broker (in a child JVM: see {@link PulsarProcess}) and a
 * Flink MiniCluster. Sends are only as good as the waiting on them, so one test freezes the broker
 * (SIGSTOP) with requests in flight and checks that a checkpoint cannot complete until it thaws.
 */
class PulsarRetrainSinkTest {
    private static final Duration DEADLINE = Duration.ofMinutes(2);
    private static final long HOUR = 3_600_000;
    private static final List<String> MODELS = List.of("purchase-propensity", "search-ranker", "churn");

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    private static PulsarProcess pulsar;
    private static PulsarClient client;

    @BeforeAll
    static void startPulsar() throws Exception {
        pulsar = PulsarProcess.start();
        client = PulsarClient.builder().serviceUrl(pulsar.serviceUrl()).build();
        System.out.printf("Pulsar broker (child JVM) ready in %d ms%n", pulsar.startupTime().toMillis());
    }

    @AfterAll
    static void stopPulsar() throws Exception {
        if (client != null) {
            client.close();
        }
        if (pulsar != null) {
            pulsar.close();
        }
    }

    /** 300 requests from two writers: each arrives, keyed by its model, with its idempotency key, and equal to what was sent. */
    @Test
    void everyRequestArrivesOnceKeyedByItsModel() throws Exception {
        String topic = "persistent://public/default/retrain-requests-all";
        int count = 300;
        try (Consumer<byte[]> consumer = subscribe(topic)) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            env.fromSource(new DataGeneratorSource<>(PulsarRetrainSinkTest::request, count,
                            TypeInformation.of(RetrainRequest.class)), WatermarkStrategy.noWatermarks(), "requests")
                    .sinkTo(PulsarRetrainSink.to(pulsar.serviceUrl()).withTopic(topic))
                    .name("Pulsar: retrain requests");
            env.execute("retrain-sink-all");

            Map<String, RetrainRequest> received = new HashMap<>();
            int duplicates = 0;
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (received.size() < count && System.nanoTime() < deadline) {
                Message<byte[]> message = consumer.receive(200, TimeUnit.MILLISECONDS);
                if (message == null) {
                    continue;
                }
                RetrainRequest request = RetrainRequestJson.decode(message.getValue());
                assertThat(message.getKey()).isEqualTo(request.model());
                assertThat(message.getProperty(PulsarRetrainWriter.IDEMPOTENCY_KEY_PROPERTY))
                        .isEqualTo(request.idempotencyKey());
                assertThat(message.getProperty(PulsarRetrainWriter.REASON_PROPERTY)).isEqualTo(request.reason().name());
                assertThat(message.getEventTime()).isEqualTo(request.requestedAt());
                if (received.put(request.idempotencyKey(), request) != null) {
                    duplicates++;
                }
                consumer.acknowledge(message);
            }
            System.out.printf("retrain sink: %d requests sent by 2 writers, %d received, %d duplicates%n", count,
                    received.size(), duplicates);
            assertThat(received).hasSize(count);
            for (long i = 0; i < count; i++) {
                RetrainRequest sent = request(i);
                assertThat(received.get(sent.idempotencyKey())).isEqualTo(sent);
            }
            // No failure, no restart: nothing may arrive twice.
            assertThat(duplicates).isZero();
        }
    }

    /**
     * A checkpoint must not complete while a request it covers is still unsent. The job sends one
     * request (so the producer is connected), the broker is frozen with SIGSTOP, ten more requests
     * reach the sink, and a checkpoint is triggered: it stays open while the broker is frozen, and
     * completes once it thaws, with all eleven requests in Pulsar. A sink that did not wait in
     * {@code flush} would let the checkpoint complete at once.
     */
    @Test
    void aCheckpointWaitsUntilPulsarHasEveryRequest(@InjectMiniCluster MiniCluster cluster) throws Exception {
        String topic = "persistent://public/default/retrain-requests-checkpoint";
        int held = 10;
        Gate.reset();
        try (Consumer<byte[]> consumer = subscribe(topic)) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            // Checkpoints are the test's to trigger: the periodic one would come after ten minutes.
            env.enableCheckpointing(Duration.ofMinutes(10).toMillis());
            // Unbounded, so the job keeps running for the checkpoint; indexes past the held requests are filler.
            env.fromSource(new DataGeneratorSource<>(index -> index, Long.MAX_VALUE,
                            RateLimiterStrategy.perSecond(50), TypeInformation.of(Long.class)),
                            WatermarkStrategy.noWatermarks(), "indexes")
                    .map(Gate::pass)
                    .filter(index -> index <= held)
                    .map(PulsarRetrainSinkTest::request)
                    .sinkTo(PulsarRetrainSink.to(pulsar.serviceUrl()).withTopic(topic))
                    .name("Pulsar: retrain requests");
            JobClient job = env.executeAsync("retrain-sink-checkpoint");
            JobID id = job.getJobID();
            List<String> keys = new ArrayList<>();
            try {
                keys.addAll(receive(consumer, 1));
                freeze(true);
                try {
                    Gate.OPEN.countDown();
                    // Everything through index held + 1 has passed the chained sink's write().
                    await("the held requests to reach the sink", () -> Gate.PASSED.get() > held + 1);
                    CompletableFuture<String> checkpoint = cluster.triggerCheckpoint(id);
                    assertThatThrownBy(() -> checkpoint.get(3, TimeUnit.SECONDS))
                            .as("a checkpoint completed while %d requests could not have reached the frozen broker", held)
                            .isInstanceOf(TimeoutException.class);
                    freeze(false);
                    String checkpointPath = checkpoint.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                    System.out.printf("retrain sink: the checkpoint (%s) completed only after the broker thawed%n",
                            checkpointPath);
                } finally {
                    freeze(false);
                }
                keys.addAll(receive(consumer, held));
            } finally {
                job.cancel().get(1, TimeUnit.MINUTES);
            }
            List<String> expected = new ArrayList<>();
            for (long i = 0; i <= held; i++) {
                expected.add(request(i).idempotencyKey());
            }
            assertThat(keys).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    /** A send Pulsar does not persist in time fails the writer's next flush, so the job fails rather than drop it. */
    @Test
    void aSendThatTimesOutFailsTheFlush() throws Exception {
        String topic = "persistent://public/default/retrain-requests-timeout";
        PulsarRetrainWriter writer = new PulsarRetrainWriter(pulsar.serviceUrl(), topic, Duration.ofSeconds(1),
                UnregisteredMetricsGroup.createSinkWriterMetricGroup());
        try {
            freeze(true);
            try {
                writer.write(request(0), null);
                assertThatThrownBy(() -> writer.flush(false))
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("Pulsar did not persist a retrain request");
            } finally {
                freeze(false);
            }
            // The failure sticks: nothing more is accepted from a writer that lost a request.
            assertThatThrownBy(() -> writer.write(request(1), null)).isInstanceOf(IOException.class);
        } finally {
            writer.close();
        }
    }

    /** Request {@code i}: one of three models, one-hour windows, keys that differ per request. */
    static RetrainRequest request(long i) {
        String model = MODELS.get((int) (i % MODELS.size()));
        long start = 1_767_225_600_000L + i * HOUR;
        RetrainRequest.Reason reason = RetrainRequest.Reason.values()[(int) (i % RetrainRequest.Reason.values().length)];
        return new RetrainRequest(model, reason, Map.of("psi", 0.25 + i / 1000.0, "labelled", 2000.0 + i), start,
                start + HOUR, RetrainRequest.keyOf(model, start, start + HOUR), start + HOUR + 1_000);
    }

    /** Holds the stream at index 1 until the test opens it; counts what has passed. Static: the MiniCluster runs in this JVM. */
    static final class Gate {
        static CountDownLatch OPEN = new CountDownLatch(1);
        static final AtomicLong PASSED = new AtomicLong();

        static void reset() {
            OPEN = new CountDownLatch(1);
            PASSED.set(0);
        }

        static long pass(long index) throws InterruptedException {
            if (index == 1 && !OPEN.await(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never opened the gate");
            }
            PASSED.incrementAndGet();
            return index;
        }
    }

    private static Consumer<byte[]> subscribe(String topic) throws Exception {
        return client.newConsumer().topic(topic).subscriptionName("test")
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe();
    }

    private static List<String> receive(Consumer<byte[]> consumer, int count) throws Exception {
        List<String> keys = new ArrayList<>();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (keys.size() < count) {
            Message<byte[]> message = consumer.receive(200, TimeUnit.MILLISECONDS);
            if (message != null) {
                keys.add(message.getProperty(PulsarRetrainWriter.IDEMPOTENCY_KEY_PROPERTY));
                consumer.acknowledge(message);
            } else if (System.nanoTime() > deadline) {
                throw new AssertionError("received " + keys.size() + " of " + count + " requests in " + DEADLINE);
            }
        }
        return keys;
    }

    /** SIGSTOP / SIGCONT: the broker's process stays, its sockets stay open, it answers nothing meanwhile. */
    private static void freeze(boolean frozen) throws Exception {
        Process kill = new ProcessBuilder("kill", frozen ? "-STOP" : "-CONT", Long.toString(pulsar.pid()))
                .inheritIO().start();
        assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waiting for " + what + " for " + DEADLINE.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
    }
}
