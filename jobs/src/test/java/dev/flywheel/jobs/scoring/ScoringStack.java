package dev.flywheel.jobs.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.decisions.Decision;
import dev.flywheel.decisions.DecisionJson;
import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.Topics;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.jobs.serving.TestModels;
import dev.flywheel.outcomes.Outcome;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.simulator.KafkaRecordSink;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * What the scoring job's integration tests share: a real registry publishing to the broker's
 * {@code model-updates}, models the trainer trained, the job's topics, a producer that knows
 * which partition a user lands on, and readers of what the job wrote.
 */
final class ScoringStack implements AutoCloseable {
    static final int PARTITIONS = 4;
    static final int PARALLELISM = 2;
    /** Flink's default for parallelism 2; decides which scoring subtask holds a key. */
    static final int MAX_PARALLELISM = 128;
    static final Duration DEADLINE = Duration.ofMinutes(3);

    final EmbeddedKafka kafka;
    final RegistryService registry;
    final RegistryClient editor;
    final Path store;
    final String clickstream;
    final String dlq;
    final String decisions;
    final String outcomes;
    private final KafkaProducer<byte[], byte[]> producer;
    private final EventCodec codec = new EventCodec();

    ScoringStack(EmbeddedKafka kafka, String prefix) throws Exception {
        this.kafka = kafka;
        this.clickstream = prefix + ".clickstream";
        this.dlq = prefix + ".dlq";
        this.decisions = prefix + ".decisions";
        this.outcomes = prefix + ".outcomes";
        for (String topic : List.of(clickstream, dlq, decisions, outcomes)) {
            kafka.createTopic(topic, PARTITIONS);
        }
        kafka.createTopic(Topics.MODEL_UPDATES, 1, Map.of("cleanup.policy", "compact"));
        store = Files.createTempDirectory("flywheel-registry");
        registry = RegistryService.start(RegistryService.Config.local(store).withKafka(kafka.bootstrapServers()));
        editor = new RegistryClient(URI.create(registry.url()), "local-editor-token");
        producer = new KafkaProducer<>(KafkaRecordSink.producerProperties(kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Registers the model the trainer trains with this seed; returns its registry version. */
    int register(long seed) {
        var trained = TestModels.trained(seed);
        return editor.register(trained.descriptor(), trained.onnx()).version();
    }

    /** The scoring job's arguments for this stack; {@code extra} overrides or adds. */
    Map<String, String> jobArgs(Map<String, String> extra) {
        Map<String, String> args = new HashMap<>();
        args.put("bootstrap", kafka.bootstrapServers());
        args.put("group-id", "test-" + clickstream);
        args.put("starting-offsets", "earliest");
        args.put("parallelism", Integer.toString(PARALLELISM));
        args.put("checkpoint-interval", "1s");
        // Phases of these tests pause the stream; partitions must not be declared idle meanwhile.
        args.put("idleness", "10min");
        args.put("clickstream-topic", clickstream);
        args.put("dlq-topic", dlq);
        args.put("decisions-topic", decisions);
        args.put("outcomes-topic", outcomes);
        args.put("registry", registry.url());
        args.put("registry-token", "local-reader-token");
        args.putAll(extra);
        return args;
    }

    /** Simulated events in the feature layer's order, as a shop writes them. */
    static List<ShopperEvent> simulated(long seed, int users, int count) {
        return simulated(SimulatorConfig.defaults(seed).withUsers(users), count);
    }

    static List<ShopperEvent> simulated(SimulatorConfig config, int count) {
        return new ShopSimulator(config).take(count).stream()
                .map(SimulatedEvent::event).sorted(OfflineFeatureReplay.EVENT_ORDER).toList();
    }

    void produce(List<ShopperEvent> events) {
        for (ShopperEvent event : events) {
            producer.send(new ProducerRecord<>(clickstream, event.userId().getBytes(StandardCharsets.UTF_8),
                    codec.encode(event)));
        }
        producer.flush();
    }

    /** The clickstream partition a user's events land on (the producer's default partitioner). */
    static int partitionOf(String user) {
        return Utils.toPositive(Utils.murmur2(user.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    /** The scoring subtask that decides about an event: the one holding its item (or user). */
    static int scoringSubtaskOf(Decision decision) {
        String key = decision.itemId() != null ? decision.itemId() : decision.userId();
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(key, MAX_PARALLELISM, PARALLELISM);
    }

    /**
     * One view per clickstream partition at {@code ts}, by users of their own ("marker-..."): moves
     * every partition's watermark past {@code ts - bound} without touching the shop's users.
     */
    static List<ShopperEvent> markers(String tag, long ts, int items) {
        List<ShopperEvent> events = new ArrayList<>();
        boolean[] covered = new boolean[PARTITIONS];
        for (int u = 0, found = 0; found < PARTITIONS; u++) {
            String user = "marker-" + tag + "-" + u;
            if (!covered[partitionOf(user)]) {
                covered[partitionOf(user)] = true;
                found++;
                for (int i = 0; i < items; i++) {
                    events.add(new ShopperEvent.View(new EventHeader(user + "-" + i, ts, user, "marker"),
                            "marker-item-" + i, "markers", 1.0));
                }
            }
        }
        return events;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(what, condition, () -> "");
    }

    /** Waits for {@code condition}; on timeout the failure shows what {@code state} says at that moment. */
    static void await(String what, BooleanSupplier condition, java.util.function.Supplier<Object> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waiting for " + what + " for " + DEADLINE.toSeconds() + " s: " + state.get());
            }
            Thread.sleep(50);
        }
    }

    /** A consumer of a topic from its beginning, polled as the test goes. */
    final class Tail implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

        Tail(String topic, String isolation) {
            Properties properties = new Properties();
            properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
            properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        /** Takes what has arrived since the last call; returns all records so far. */
        List<ConsumerRecord<byte[], byte[]>> poll() {
            while (true) {
                var batch = consumer.poll(Duration.ofMillis(100));
                if (batch.isEmpty()) {
                    return records;
                }
                batch.forEach(records::add);
            }
        }

        private final List<Decision> decoded = new ArrayList<>();
        private final List<Outcome> decodedOutcomes = new ArrayList<>();
        private final DecisionJson json = new DecisionJson();

        List<Decision> decisions() {
            poll();
            for (int i = decoded.size(); i < records.size(); i++) {
                decoded.add(json.decodeDecision(records.get(i).value()));
            }
            return decoded;
        }

        List<Outcome> outcomes() {
            poll();
            for (int i = decodedOutcomes.size(); i < records.size(); i++) {
                decodedOutcomes.add(json.decodeOutcome(records.get(i).value()));
            }
            return decodedOutcomes;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    @Override
    public void close() {
        producer.close();
        registry.close();
    }
}
