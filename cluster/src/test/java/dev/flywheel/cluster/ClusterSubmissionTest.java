package dev.flywheel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.decisions.Decision;
import dev.flywheel.decisions.DecisionJson;
import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.Topics;
import dev.flywheel.features.FeatureFamily;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.simulator.KafkaRecordSink;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.trainer.TrainingRun;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.dataset.SimulatedWarmup;
import dev.flywheel.trainer.training.TrainingOptions;
import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's cluster commands, end to end: a real Flink 2.2 standalone session cluster
 * (JobManager and TaskManager processes), a real Kafka broker and model registry; the shaded jar
 * is submitted with scripts/flink-jobs.sh, decides about every event, is stopped with a savepoint
 * while more traffic arrives, and resumes from that savepoint where it left off: not one event is
 * decided twice, and the returning shoppers' features carry their history from before the stop.
 * The last stop goes through Flink's own CLI ({@code --flink-cli}).
 */
class ClusterSubmissionTest {
    private static final int PARTITIONS = 4;
    private static final int PARALLELISM = 2;
    /** Flink's default for parallelism 2: which scoring subtask holds an item. */
    private static final int MAX_PARALLELISM = 128;
    private static final int USERS = 300;
    private static final int EVENTS = 6_000;
    private static final Duration DEADLINE = Duration.ofMinutes(3);
    private static final String MODEL = "purchase-propensity";
    private static final int[] USER_AND_SESSION = IntStream.range(0, FeatureSpec.current().size())
            .filter(i -> FeatureSpec.current().features().get(i).family() != FeatureFamily.ITEM).toArray();

    @TempDir
    Path work;

    @Test
    void scoringJobIsSubmittedStoppedWithASavepointAndResumedFromIt() throws Exception {
        long started = System.nanoTime();
        Path jar = Path.of(System.getProperty("flywheel.jobs.jar"));
        // The cluster's JVMs start while this one starts Kafka, trains and registers the model.
        try (StandaloneFlinkCluster flink = StandaloneFlinkCluster.start(Path.of(System.getProperty("flywheel.cluster.lib")),
                work.resolve("flink"));
                EmbeddedKafka kafka = EmbeddedKafka.start()) {
            for (String topic : List.of(Topics.CLICKSTREAM, Topics.CLICKSTREAM_DLQ, Topics.DECISIONS, Topics.OUTCOMES)) {
                kafka.createTopic(topic, PARTITIONS);
            }
            kafka.createTopic(Topics.MODEL_UPDATES, 1, Map.of("cleanup.policy", "compact"));
            try (RegistryService registry = RegistryService.start(
                    RegistryService.Config.local(Files.createDirectories(work.resolve("registry")))
                            .withKafka(kafka.bootstrapServers()));
                    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                            KafkaRecordSink.producerProperties(kafka.bootstrapServers()), new ByteArraySerializer(),
                            new ByteArraySerializer());
                    DecisionTail decisions = new DecisionTail(kafka.bootstrapServers())) {
                registerChampion(registry);
                List<ShopperEvent> events = new ShopSimulator(SimulatorConfig.defaults(7).withUsers(USERS))
                        .take(EVENTS).stream().map(SimulatedEvent::event).sorted(OfflineFeatureReplay.EVENT_ORDER)
                        .toList();
                List<ShopperEvent> beforeStop = events.subList(0, EVENTS / 2);
                List<ShopperEvent> afterStop = events.subList(EVENTS / 2, EVENTS);
                Path config = writeConfig(kafka.bootstrapServers(), registry.url());
                Duration setUp = Duration.ofNanos(System.nanoTime() - started);

                flink.awaitReady(DEADLINE);
                Duration clusterReady = Duration.ofNanos(System.nanoTime() - started);
                String firstJob = script(flink, "submit", "--rest", flink.restUrl().toString(), "--job", "scoring",
                        "--config", config.toString(), "--jar", jar.toString());
                awaitServing(producer, decisions, events.get(0).ts(), "first");
                send(producer, beforeStop);
                await("a decision for each of the " + beforeStop.size() + " events before the stop",
                        () -> decisions.poll().keySet().containsAll(ids(beforeStop)), flink);

                String savepoint = script(flink, "stop", "--rest", flink.restUrl().toString(), "--job", "scoring");
                assertThat(new FlinkRestClient(flink.restUrl()).jobState(firstJob)).isEqualTo("FINISHED");
                assertThat(Path.of(URI.create(savepoint))).isDirectory();
                flink.awaitSlotsFree(DEADLINE);

                // Traffic goes on while no job runs; the resumed job must take it from the savepoint's offsets.
                send(producer, afterStop);
                String secondJob = script(flink, "submit", "--rest", flink.restUrl().toString(), "--job", "scoring",
                        "--config", config.toString(), "--jar", jar.toString(), "--from-savepoint", savepoint);
                assertThat(secondJob).isNotEqualTo(firstJob);
                await("a decision for each of the " + afterStop.size() + " events sent while the job was stopped",
                        () -> decisions.poll().keySet().containsAll(ids(afterStop)), flink);

                Map<String, List<Decision>> byEvent = decisions.poll();
                long decidedTwice = events.stream().filter(e -> byEvent.get(e.eventId()).size() != 1).count();

                // Restored state: each returning shopper's user and session features equal a replay of
                // all the shop's events, which differs from a replay of the second half alone.
                Map<String, FeatureVector> replayAll = byEventId(OfflineFeatureReplay.replay(events, FeatureSettings.defaults()));
                Map<String, FeatureVector> replayAfterOnly =
                        byEventId(OfflineFeatureReplay.replay(afterStop, FeatureSettings.defaults()));
                Set<String> usersBefore = new HashSet<>();
                beforeStop.forEach(e -> usersBefore.add(e.userId()));
                long returning = 0;
                long returningWithHistoryInFeatures = 0;
                long differingFromFullReplay = 0;
                for (ShopperEvent event : afterStop) {
                    double[] served = byEvent.get(event.eventId()).get(0).features();
                    if (!agree(served, replayAll.get(event.eventId()).values())) {
                        differingFromFullReplay++;
                    }
                    if (usersBefore.contains(event.userId())) {
                        returning++;
                        if (!agree(served, replayAfterOnly.get(event.eventId()).values())) {
                            returningWithHistoryInFeatures++;
                        }
                    }
                }
                Duration total = Duration.ofNanos(System.nanoTime() - started);
                System.out.printf("cluster submission: set-up %.1f s, cluster ready %.1f s, whole test %.1f s; "
                                + "%d + %d events decided by jobs %s and %s; savepoint %s; decided twice: %d; of %d events"
                                + " by returning shoppers, %d show their history from before the stop, %d events differ"
                                + " from the offline replay%n",
                        setUp.toMillis() / 1000.0, clusterReady.toMillis() / 1000.0, total.toMillis() / 1000.0,
                        beforeStop.size(), afterStop.size(), firstJob, secondJob, savepoint, decidedTwice, returning,
                        returningWithHistoryInFeatures, differingFromFullReplay);

                assertThat(decidedTwice).as("events decided again after the restore").isZero();
                assertThat(differingFromFullReplay).as("events whose served features differ from the replay").isZero();
                // The check above means something only if the stop cut through shoppers' histories.
                assertThat(returning).isGreaterThan(afterStop.size() / 4);
                assertThat(returningWithHistoryInFeatures).isGreaterThan(returning / 2);

                // Through Flink's own CLI this time, by id, into a directory of the caller's choosing.
                Path finalSavepoints = work.resolve("final-savepoints");
                script(flink, "stop", "--flink-cli", flink.flinkCommand().toString(), "--rest", flink.restUrl().toString(),
                        "--job-id", secondJob, "--savepoint-dir", finalSavepoints.toUri().toString());
                assertThat(new FlinkRestClient(flink.restUrl()).jobState(secondJob)).isEqualTo("FINISHED");
                try (var written = Files.list(finalSavepoints)) {
                    assertThat(written.toList()).singleElement()
                            .satisfies(savepointDir -> assertThat(savepointDir.resolve("_metadata")).isRegularFile());
                }
            }
        }
    }

    private static void registerChampion(RegistryService registry) throws Exception {
        LabelledExamples examples = SimulatedWarmup.generate(SimulatorConfig.defaults(3).withUsers(USERS), 20_000,
                FeatureSettings.defaults());
        TrainingRun.Result trained = TrainingRun.run(examples,
                new TrainingRun.Settings(MODEL, 0.2, TrainingOptions.defaults(3), "cluster submission test"), line -> { });
        RegistryClient editor = new RegistryClient(URI.create(registry.url()), "local-editor-token");
        int version = editor.register(trained.descriptor(), trained.onnx()).version();
        editor.setAliases(MODEL, new AliasUpdate(version, 0, 0, 0, 0));
    }

    /** The scoring job's options as a deployment keeps them: a file, one option a line. */
    private Path writeConfig(String bootstrap, String registryUrl) throws Exception {
        Path config = work.resolve("scoring.properties");
        Files.writeString(config, String.join("\n",
                "# The scoring job's options (README, \"Running the jobs on your own Flink cluster\")",
                "bootstrap = " + bootstrap,
                "registry = " + registryUrl,
                "registry-token = local-reader-token",
                "group-id = flywheel-scoring-cluster-test",
                "starting-offsets = earliest",
                "parallelism = " + PARALLELISM,
                "checkpoint-interval = 2s",
                ""));
        return config;
    }

    /**
     * Each scoring subtask loads the model in the background once the job starts; until then events
     * go unscored. One probe view a round for an item on each subtask, until both answered.
     */
    private static void awaitServing(KafkaProducer<byte[], byte[]> producer, DecisionTail decisions, long ts, String tag)
            throws InterruptedException {
        List<String> probeItems = new ArrayList<>();
        for (int subtask = 0; subtask < PARALLELISM; subtask++) {
            for (int i = 0; ; i++) {
                String item = "probe-item-" + i;
                if (KeyGroupRangeAssignment.assignKeyToParallelOperator(item, MAX_PARALLELISM, PARALLELISM) == subtask
                        && !probeItems.contains(item)) {
                    probeItems.add(item);
                    break;
                }
            }
        }
        Set<String> answered = new HashSet<>();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        for (int round = 0; answered.size() < probeItems.size(); round++) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no decision for a probe on every scoring subtask within "
                        + DEADLINE.toSeconds() + " s; answered: " + answered);
            }
            List<ShopperEvent> probes = new ArrayList<>();
            for (String item : probeItems) {
                String user = "probe-" + tag + "-" + item;
                probes.add(new ShopperEvent.View(new EventHeader(user + "-" + round, ts, user, user), item, "probes", 1.0));
            }
            send(producer, probes);
            Thread.sleep(500);
            for (List<Decision> list : decisions.poll().values()) {
                Decision decision = list.get(0);
                if (decision.userId().startsWith("probe-" + tag + "-")) {
                    answered.add(decision.itemId());
                }
            }
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, List<ShopperEvent> events) {
        EventCodec codec = new EventCodec();
        for (ShopperEvent event : events) {
            producer.send(new ProducerRecord<>(Topics.CLICKSTREAM, event.userId().getBytes(StandardCharsets.UTF_8),
                    codec.encode(event)));
        }
        producer.flush();
    }

    /** Runs scripts/flink-jobs.sh as a user would; returns its standard output, trimmed. */
    private String script(StandaloneFlinkCluster flink, String... arguments) throws Exception {
        Path repository = Path.of(System.getProperty("flywheel.repository")).toAbsolutePath().normalize();
        List<String> command = new ArrayList<>(List.of("bash", repository.resolve("scripts/flink-jobs.sh").toString()));
        command.addAll(Arrays.asList(arguments));
        Path stderr = Files.createTempFile(work, "flink-jobs", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
        builder.environment().put("FLYWHEEL_CLUSTER_CLASSPATH", commandClasspath());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("flink-jobs.sh " + String.join(" ", arguments) + " did not finish");
        }
        String err = Files.readString(stderr);
        System.out.print(err);
        if (process.exitValue() != 0) {
            throw new AssertionError("flink-jobs.sh " + String.join(" ", arguments) + " exited with "
                    + process.exitValue() + ": " + err + "\n" + flink.logTail(40));
        }
        return out;
    }

    /** The command's own classes and its two libraries, out of this test's class path. */
    static String commandClasspath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> entry.endsWith("cluster/target/classes") || entry.contains("jackson-databind")
                        || entry.contains("jackson-core") || entry.contains("jackson-annotations")
                        || entry.contains("picocli"))
                .reduce((a, b) -> a + File.pathSeparator + b).orElseThrow();
    }

    private static void await(String what, BooleanSupplier condition, StandaloneFlinkCluster flink)
            throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waiting " + DEADLINE.toSeconds() + " s for " + what + "\n" + flink.logTail(40));
            }
            Thread.sleep(100);
        }
    }

    private static Set<String> ids(List<ShopperEvent> events) {
        Set<String> ids = new HashSet<>();
        events.forEach(e -> ids.add(e.eventId()));
        return ids;
    }

    private static Map<String, FeatureVector> byEventId(List<FeatureVector> vectors) {
        Map<String, FeatureVector> map = new HashMap<>();
        vectors.forEach(v -> map.put(v.eventId(), v));
        return map;
    }

    private static boolean agree(double[] served, double[] expected) {
        for (int i : USER_AND_SESSION) {
            double scale = Math.max(Math.abs(served[i]), Math.abs(expected[i]));
            if (Math.abs(served[i] - expected[i]) > 1e-9 * scale) {
                return false;
            }
        }
        return true;
    }

    /** Every decision on the topic so far, by event id. */
    private static final class DecisionTail implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final DecisionJson json = new DecisionJson();
        private final Map<String, List<Decision>> byEvent = new HashMap<>();

        DecisionTail(String bootstrap) {
            Properties properties = new Properties();
            properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                    .mapToObj(p -> new TopicPartition(Topics.DECISIONS, p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        Map<String, List<Decision>> poll() {
            while (true) {
                var batch = consumer.poll(Duration.ofMillis(100));
                if (batch.isEmpty()) {
                    return byEvent;
                }
                batch.forEach(record -> {
                    Decision decision = json.decodeDecision(record.value());
                    byEvent.computeIfAbsent(decision.eventId(), id -> new ArrayList<>()).add(decision);
                });
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
