package dev.flywheel.jobs.state;

import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.FeatureVectorCodec;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.scoring.ScoringConfig;
import dev.flywheel.jobs.scoring.ScoringJob;
import dev.flywheel.simulator.KafkaRecordSink;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What the state tests share: the scoring job on a real broker, run bounded from empty state or
 * from a savepoint (no {@code allowNonRestoredState}), and the files and vectors around it.
 */
final class StateStack {
    static final int PARTITIONS = 4;
    static final Duration DEADLINE = Duration.ofMinutes(3);

    private StateStack() {
    }

    /** Each run gets its own topics so runs cannot see each other's records. */
    record Topics(String clickstream, String dlq, String features, String modelUpdates, String decisions,
            String outcomes) {
        static Topics create(EmbeddedKafka kafka, String prefix) {
            Topics topics = new Topics(prefix + ".clickstream", prefix + ".dlq", prefix + ".features",
                    prefix + ".model-updates", prefix + ".decisions", prefix + ".outcomes");
            for (String topic : Set.of(topics.clickstream, topics.dlq, topics.features, topics.decisions,
                    topics.outcomes)) {
                kafka.createTopic(topic, PARTITIONS);
            }
            kafka.createTopic(topics.modelUpdates, 1);
            return topics;
        }
    }

    /** Writes events to the clickstream keyed by user, as a shop does. */
    static void produce(EmbeddedKafka kafka, String topic, List<ShopperEvent> events) {
        EventCodec codec = new EventCodec();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                KafkaRecordSink.producerProperties(kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ShopperEvent event : events) {
                producer.send(new ProducerRecord<>(topic, event.userId().getBytes(StandardCharsets.UTF_8),
                        codec.encode(event)));
            }
        }
    }

    /** The events as contract JSON lines: a bootstrap input. */
    static Path jsonLines(List<ShopperEvent> events, Path file) throws IOException {
        EventCodec codec = new EventCodec();
        try (Writer out = Files.newBufferedWriter(file)) {
            for (ShopperEvent event : events) {
                out.write(codec.encodeToString(event));
                out.write('\n');
            }
        }
        return file;
    }

    /** Bootstraps a savepoint from files at {@code parallelism}. */
    static BootstrapJob.Summary bootstrap(Path savepoint, int parallelism, Path... inputs) throws Exception {
        List<String> args = new ArrayList<>(List.of("--savepoint", savepoint.toString(),
                "--parallelism", Integer.toString(parallelism), "--input"));
        args.add(String.join(",", java.util.Arrays.stream(inputs).map(Path::toString).toList()));
        BootstrapConfig config = BootstrapConfig.fromArgs(args.toArray(String[]::new));
        return new BootstrapJob(config).run(StreamExecutionEnvironment.getExecutionEnvironment(new Configuration()));
    }

    /**
     * The scoring job, running unbounded on the topics until closed; from {@code savepoint} when it
     * is not null.
     */
    static JobClient startScoring(EmbeddedKafka kafka, Topics topics, Path savepoint, int parallelism,
            String stateBackend, Map<String, String> extra) throws Exception {
        StreamExecutionEnvironment env = scoringEnvironment(savepoint, stateBackend);
        ScoringJob.onKafka(ScoringConfig.from(JobArgs.of(scoringArgs(kafka, topics, parallelism, extra)))).build(env);
        return env.executeAsync("scoring-" + topics.clickstream);
    }

    static Map<String, String> scoringArgs(EmbeddedKafka kafka, Topics topics, int parallelism,
            Map<String, String> extra) {
        Map<String, String> args = new HashMap<>(Map.of(
                "bootstrap", kafka.bootstrapServers(),
                "group-id", "test-" + topics.clickstream,
                "starting-offsets", "earliest",
                "checkpoint-interval", "2s",
                "parallelism", Integer.toString(parallelism),
                "clickstream-topic", topics.clickstream,
                "dlq-topic", topics.dlq,
                "features-topic", topics.features));
        args.put("model-updates-topic", topics.modelUpdates);
        args.put("decisions-topic", topics.decisions);
        args.put("outcomes-topic", topics.outcomes);
        // Phases of these tests pause the stream; partitions must not be declared idle meanwhile.
        args.put("idleness", "10min");
        args.putAll(extra);
        return args;
    }

    static StreamExecutionEnvironment scoringEnvironment(Path savepoint, String stateBackend) throws IOException {
        Configuration configuration = new Configuration();
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        configuration.set(StateBackendOptions.STATE_BACKEND, stateBackend);
        configuration.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        configuration.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                Files.createTempDirectory("flywheel-checkpoints").toUri().toString());
        if (savepoint != null) {
            // What `flink run -s` sets; allowNonRestoredState stays false, so a savepoint with state
            // the job has no operator for fails the start instead of being dropped.
            configuration.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint.toUri().toString());
            configuration.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, false);
        }
        return StreamExecutionEnvironment.getExecutionEnvironment(configuration);
    }

    /** Waits until the features topic holds a vector for each of these events; returns them all by event id. */
    static Map<String, FeatureVector> awaitVectors(EmbeddedKafka kafka, Topics topics, JobClient job,
            List<ShopperEvent> events) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        try (VectorTail tail = new VectorTail(kafka, topics.features())) {
            while (true) {
                Map<String, FeatureVector> vectors = tail.poll();
                if (events.stream().allMatch(event -> vectors.containsKey(event.eventId()))) {
                    return vectors;
                }
                if (job.getJobStatus().get().isGloballyTerminalState()) {
                    throw new AssertionError("the scoring job ended (" + job.getJobStatus().get() + ") with "
                            + vectors.size() + " vectors");
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("waited " + DEADLINE.toSeconds() + " s for " + events.size()
                            + " vectors; the topic holds " + vectors.size());
                }
            }
        }
    }

    /** The features topic from its beginning, by event id, read as it grows. */
    private static final class VectorTail implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final FeatureVectorCodec codec = new FeatureVectorCodec();
        private final Map<String, FeatureVector> vectors = new HashMap<>();

        VectorTail(EmbeddedKafka kafka, String topic) {
            Properties properties = new Properties();
            properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        Map<String, FeatureVector> poll() {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                FeatureVector vector = codec.decode(record.value());
                vectors.put(vector.eventId(), vector);
            }
            return vectors;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    static Map<String, FeatureVector> vectorsByEvent(EmbeddedKafka kafka, String topic) {
        FeatureVectorCodec codec = new FeatureVectorCodec();
        Map<String, FeatureVector> vectors = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(topic, Duration.ofSeconds(30))) {
            FeatureVector vector = codec.decode(record.value());
            vectors.put(vector.eventId(), vector);
        }
        return vectors;
    }

    /**
     * One search per user at {@code ts}: each user's vector for it shows their whole state as of
     * then, so comparing probes compares every user, not only those active at the end.
     */
    static List<ShopperEvent> probes(List<ShopperEvent> events, long ts) {
        Set<String> users = new LinkedHashSet<>();
        events.forEach(event -> users.add(event.userId()));
        List<ShopperEvent> probes = new ArrayList<>();
        for (String user : users) {
            probes.add(new ShopperEvent.Search(new EventHeader("probe-" + user, ts, user, "probe-" + user),
                    "probe", List.of(), "probe-" + user));
        }
        return probes;
    }

    /**
     * One view per item at {@code ts}, each by a user of its own: the vector for it shows the item's
     * whole state as of then (decayed sums, last price, peers), which does not depend on the order
     * in which other users' events reached the item.
     */
    static List<ShopperEvent> itemProbes(List<ShopperEvent> events, long ts) {
        Set<String> items = new LinkedHashSet<>();
        for (ShopperEvent event : events) {
            if (event instanceof ShopperEvent.ItemEvent itemEvent) {
                items.add(itemEvent.itemId());
            }
        }
        List<ShopperEvent> probes = new ArrayList<>();
        for (String item : items) {
            String user = "item-probe-" + item;
            probes.add(new ShopperEvent.View(new EventHeader(user, ts, user, user), item, "probe", null));
        }
        return probes;
    }

    /** {@code -Dflywheel.data.dir}, else a {@code shared/data} folder above the working dir; null if absent. */
    static Path taobaoSample() {
        String file = "taobao-user-behavior-110k.csv";
        String dir = System.getProperty("flywheel.data.dir");
        if (dir != null) {
            return Files.isRegularFile(Path.of(dir, file)) ? Path.of(dir, file) : null;
        }
        for (Path at = Path.of("").toAbsolutePath(); at != null; at = at.getParent()) {
            Path candidate = at.resolve("shared").resolve("data").resolve(file);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
