package dev.flywheel.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.decisions.Decision;
import dev.flywheel.decisions.DecisionJson;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.Topics;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.http.Credentials;
import dev.flywheel.simulator.ClickstreamProducer;
import dev.flywheel.simulator.KafkaRecordSink;
import dev.flywheel.simulator.Pacing;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedClickstream;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run-local.sh --bootstrap-from FILE} as the run wires it: the stack's MiniCluster bootstraps a
 * savepoint from a history file, the scoring job starts from it, and the first decisions about
 * the history's shoppers already carry their history; shoppers the history never saw start cold.
 */
class LocalBootstrapKafkaTest {
    private static final Duration DEADLINE = Duration.ofMinutes(4);
    private static final int HISTORY_USERS = 300;
    private static final int LIVE_EVENTS = 3_000;

    @TempDir
    Path temp;

    @Test
    void theScoringJobsFirstDecisionsCarryTheBootstrappedHistory() throws Exception {
        WarmupModel model = WarmupModel.train(SimulatorConfig.defaults(1).withUsers(400), 20_000, 0.2, "test");
        // History: a day before the live traffic, shoppers user-0 .. user-299 only.
        SimulatorConfig past = SimulatorConfig.defaults(7).withUsers(HISTORY_USERS)
                .withStartEpochMs(SimulatorConfig.DEFAULT_START_EPOCH_MS - Duration.ofDays(1).toMillis());
        Path history = temp.resolve("history.jsonl");
        Set<String> historyUsers = new HashSet<>();
        EventCodec codec = new EventCodec();
        try (Writer out = Files.newBufferedWriter(history)) {
            for (SimulatedEvent simulated : new ShopSimulator(past).take(6_000)) {
                ShopperEvent event = simulated.event();
                historyUsers.add(event.userId());
                out.write(codec.encodeToString(event));
                out.write('\n');
            }
        }
        assertThat(historyUsers.size()).isGreaterThan(HISTORY_USERS / 2);

        Path store = Files.createDirectories(temp.resolve("registry"));
        try (LocalStack stack = LocalStack.start(0, 4, 4, store, 0)) {
            RegistryClient editor = new RegistryClient(URI.create(stack.registryUrl()), Credentials.LOCAL_EDITOR);
            int version = editor.register(model.descriptor(), model.onnx()).version();
            editor.setAliases(WarmupModel.MODEL, new AliasUpdate(version, 0, 0, 0, 0));

            ByteArrayOutputStream log = new ByteArrayOutputStream();
            Path savepoint = LocalBootstrap.savepointFor(stack, history, 2, temp.resolve("savepoint"),
                    new PrintStream(log, true));
            assertThat(log.toString()).contains("bootstrap: 6,000 events (0 lines skipped)");
            LocalJobs jobs = LocalJobs.submit(stack, 2, savepoint);
            try {
                await("both jobs running", () -> jobs.analyticsMetrics().running() && jobs.scoringMetrics().running());
                // Live: twice as many shoppers, so half of them are new to the job.
                SimulatedClickstream live = new SimulatedClickstream(new ShopSimulator(SimulatorConfig.defaults(8)
                        .withUsers(2 * HISTORY_USERS)), LIVE_EVENTS, 0);
                try (ClickstreamProducer producer = new ClickstreamProducer(
                        new KafkaRecordSink(stack.kafkaBootstrap(), Topics.CLICKSTREAM))) {
                    producer.produce(live, Pacing.unlimited(), null, progress -> { });
                }
                long valid = live.counts().valid();
                try (Decisions decisions = new Decisions(stack.kafkaBootstrap())) {
                    await("every live event decided or counted unscored", () -> decisions.poll().size()
                            + jobs.scoringMetrics().sums().getOrDefault(LocalJobs.UNSCORED, 0L) == valid);
                    // Each shopper's first decision: warm exactly when the history knew them.
                    Map<String, Decision> first = new HashMap<>();
                    for (Decision decision : decisions.poll().values()) {
                        first.merge(decision.userId(), decision,
                                (a, b) -> a.eventTime() <= b.eventTime() ? a : b);
                    }
                    int recency = FeatureSpec.current().indexOf("secs_since_last_event");
                    long warmKnown = 0;
                    long known = 0;
                    long coldNew = 0;
                    long fresh = 0;
                    for (Decision decision : first.values()) {
                        boolean warm = decision.features()[recency] >= 0;
                        if (historyUsers.contains(decision.userId())) {
                            known++;
                            warmKnown += warm ? 1 : 0;
                        } else {
                            fresh++;
                        }
                    }
                    // A new shopper's first decision is cold only if it was their first live event.
                    Map<String, Long> firstEventTime = new HashMap<>();
                    for (Decision decision : decisions.poll().values()) {
                        firstEventTime.merge(decision.userId(), decision.eventTime(), Math::min);
                    }
                    System.out.printf("local bootstrap: %d shoppers decided, %d known to the history (%d warm at"
                            + " their first decision), %d new%n", first.size(), known, warmKnown, fresh);
                    assertThat(known).isGreaterThan(50);
                    assertThat(warmKnown).isEqualTo(known);
                    assertThat(fresh).isGreaterThan(50);
                    for (Decision decision : first.values()) {
                        if (!historyUsers.contains(decision.userId())
                                && decision.features()[recency] < 0) {
                            coldNew++;
                        }
                    }
                    assertThat(coldNew).isPositive();
                }
            } finally {
                jobs.cancel();
            }
        }
    }

    @Test
    void aMissingBootstrapFileIsOneLine() {
        StringWriter err = new StringWriter();
        int code = FlywheelLocal.execute(new String[] {"--bootstrap-from", temp.resolve("nope.jsonl").toString()},
                new PrintWriter(err, true));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().strip()).contains("--bootstrap-from: no such file").hasLineCount(1);
    }

    /** The decisions topic read from its beginning, by decision id. */
    private static final class Decisions implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Map<String, Decision> byId = new HashMap<>();
        private final DecisionJson json = new DecisionJson();

        Decisions(String bootstrap) {
            Properties properties = new Properties();
            properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.DECISIONS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        Map<String, Decision> poll() {
            for (var record : consumer.poll(Duration.ofMillis(200))) {
                Decision decision = json.decodeDecision(record.value());
                byId.put(decision.decisionId(), decision);
            }
            return byId;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
