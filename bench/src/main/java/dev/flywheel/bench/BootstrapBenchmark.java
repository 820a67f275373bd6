package dev.flywheel.bench;

import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.Topics;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import dev.flywheel.jobs.scoring.ScoringConfig;
import dev.flywheel.jobs.scoring.ScoringJob;
import dev.flywheel.jobs.state.BootstrapConfig;
import dev.flywheel.jobs.state.BootstrapJob;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.simulator.KafkaRecordSink;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Two ways to warm a scoring job's features from the same history, in one run on one machine:
 * the bootstrap job (JSON-lines files to a savepoint) and replaying the history through the
 * streaming scoring job from Kafka, bounded: as deployed (serving a registered model, decisions
 * and exactly-once outcomes) and, as a floor, with no model (parse, the feature stages, a features
 * topic). Each is timed from submission to the end of the job, in rounds; the last round is
 * reported (the first warms the JVM). The streaming figures are flattering: they take no savepoint
 * at the end, which a replay used for warming would still have to.
 */
public final class BootstrapBenchmark {
    static final Set<String> ARGUMENTS = Set.of("events", "users", "parallelism", "seed", "state-backend", "rounds");

    record Settings(int events, int users, int parallelism, long seed, String stateBackend, int rounds) {
        static Settings from(JobArgs args) {
            Settings settings = new Settings(args.integer("events", 1_000_000), args.integer("users", 100_000),
                    args.integer("parallelism", 2), args.integer("seed", 42), args.string("state-backend", "hashmap"),
                    args.integer("rounds", 2));
            require(settings.events > 0, "--events must be positive");
            require(settings.users > 0, "--users must be positive");
            require(settings.parallelism > 0, "--parallelism must be positive");
            require(settings.rounds > 0, "--rounds must be positive");
            require(settings.stateBackend.equals("hashmap") || settings.stateBackend.equals("rocksdb"),
                    "--state-backend must be hashmap or rocksdb");
            return settings;
        }
    }

    /** What one round measured, in events per second. */
    record Result(double bootstrap, double streaming, double featuresOnly) {
        double ratio() {
            return bootstrap / streaming;
        }
    }

    private static String registryUrl;

    public static void main(String[] args) throws Exception {
        Settings settings;
        try {
            settings = Settings.from(JobArgs.parse(args, ARGUMENTS));
        } catch (InvalidJobArgumentException e) {
            System.err.println("bench-bootstrap: " + e.getMessage());
            System.exit(2);
            return;
        }
        run(settings);
    }

    static Result run(Settings settings) throws Exception {
        List<ShopperEvent> events = new ShopSimulator(SimulatorConfig.defaults(settings.seed())
                .withUsers(settings.users())).take(settings.events()).stream().map(SimulatedEvent::event).toList();
        Path dir = Files.createTempDirectory("flywheel-bench-bootstrap");
        // One file per topic partition, each user in the file of their partition: the history as a
        // dump of the clickstream topic would lay it out, and one bootstrap reader per file.
        List<Path> history = new ArrayList<>();
        List<Writer> files = new ArrayList<>();
        for (int p = 0; p < BenchJobs.PARTITIONS; p++) {
            history.add(dir.resolve("history-" + p + ".jsonl"));
            files.add(Files.newBufferedWriter(history.get(p)));
        }
        EventCodec codec = new EventCodec();
        long bytes = 0;
        for (ShopperEvent event : events) {
            String line = codec.encodeToString(event);
            files.get(partitionOf(event.userId())).write(line + "\n");
            bytes += line.length() + 1;
        }
        for (Writer file : files) {
            file.close();
        }
        long trainStart = System.nanoTime();
        BenchModel model = BenchModel.train(Files.createTempDirectory("flywheel-bench-model"), settings.seed(), 20_000);
        System.out.printf("trained %s on a simulated warm-up in %.1f s%n", BenchModel.NAME,
                (System.nanoTime() - trainStart) / 1e9);
        Result result = null;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String topic = "bench.history";
            kafka.createTopic(topic, BenchJobs.PARTITIONS);
            kafka.createTopic("bench.model-updates.none", 1);
            kafka.createTopic(Topics.MODEL_UPDATES, 1, Map.of("cleanup.policy", "compact"));
            RegistryService registry = RegistryService.start(RegistryService.Config
                    .local(Files.createTempDirectory("flywheel-bench-registry")).withKafka(kafka.bootstrapServers()));
            RegistryClient editor = new RegistryClient(URI.create(registry.url()), "local-editor-token");
            int version = editor.register(model.descriptor(), model.onnx()).version();
            BootstrapBenchmark.registryUrl = registry.url();
            System.out.printf("registered %s v%d as champion%n", BenchModel.NAME, version);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                    KafkaRecordSink.producerProperties(kafka.bootstrapServers()),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                for (ShopperEvent event : events) {
                    producer.send(new ProducerRecord<>(topic, event.userId().getBytes(StandardCharsets.UTF_8),
                            codec.encode(event)));
                }
            }
            System.out.printf("history: %,d simulated events (%,d users in the population), %,d bytes of JSON lines"
                            + " in %d files and the same events in a topic of as many partitions, each user in the"
                            + " same one; parallelism %d, %s state%n",
                    events.size(), settings.users(), bytes, BenchJobs.PARTITIONS,
                    settings.parallelism(), settings.stateBackend());
            try {
                for (int round = 1; round <= settings.rounds(); round++) {
                    double bootstrap = bootstrap(settings, history, dir.resolve("savepoint-" + round));
                    double streaming = streaming(settings, kafka, topic, "scoring-" + round, true);
                    double featuresOnly = streaming(settings, kafka, topic, "features-" + round, false);
                    result = new Result(bootstrap, streaming, featuresOnly);
                    System.out.printf("round %d%s: bootstrap %,.0f events/s; streaming replay from Kafka: scoring job as"
                                    + " deployed %,.0f events/s (%.1fx), features only %,.0f events/s (%.1fx)%n", round,
                            round < settings.rounds() ? " (warm-up)" : "", bootstrap, streaming, result.ratio(),
                            featuresOnly, bootstrap / featuresOnly);
                }
            } finally {
                registry.close();
            }
        }
        System.out.printf("bootstrap / streaming replay through the scoring job: %.1fx (target >= 3x: %s);"
                        + " against the features-only job (no model, no decisions): %.1fx%n", result.ratio(),
                result.ratio() >= 3 ? "met" : "NOT met", result.bootstrap() / result.featuresOnly());
        return result;
    }

    /** The partition Kafka's default partitioner gives a user's events. */
    private static int partitionOf(String user) {
        return Utils.toPositive(Utils.murmur2(user.getBytes(StandardCharsets.UTF_8))) % BenchJobs.PARTITIONS;
    }

    private static double bootstrap(Settings settings, List<Path> history, Path savepoint) throws Exception {
        BootstrapConfig config = BootstrapConfig.from(JobArgs.of(Map.of("input",
                String.join(",", history.stream().map(Path::toString).toList()),
                "savepoint", savepoint.toString(), "parallelism", Integer.toString(settings.parallelism()))));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                BenchJobs.configuration(settings.stateBackend()));
        long started = System.nanoTime();
        BootstrapJob.Summary summary = new BootstrapJob(config).run(env);
        double seconds = (System.nanoTime() - started) / 1e9;
        if (summary.events() != settings.events()) {
            throw new IllegalStateException("bootstrap read " + summary.events() + " events, expected " + settings.events());
        }
        System.out.printf("  bootstrap: %,d events -> savepoint in %.1f s%n", summary.events(), seconds);
        return summary.events() / seconds;
    }

    /**
     * The scoring job replaying the topic, bounded. With {@code model}: as deployed, serving the
     * registered model, writing decisions and exactly-once outcomes. Without: reading an empty
     * changelog, so no model serves, writing every vector to a features topic instead.
     */
    private static double streaming(Settings settings, EmbeddedKafka kafka, String topic, String run, boolean model)
            throws Exception {
        String prefix = "bench-replay-" + run;
        for (String output : List.of(prefix + ".dlq", prefix + ".decisions", prefix + ".outcomes", prefix + ".features")) {
            kafka.createTopic(output, BenchJobs.PARTITIONS);
        }
        Map<String, String> args = new HashMap<>(Map.of(
                "bootstrap", kafka.bootstrapServers(),
                "group-id", prefix,
                "starting-offsets", "earliest",
                "bounded", "true",
                "parallelism", Integer.toString(settings.parallelism()),
                "clickstream-topic", topic,
                "dlq-topic", prefix + ".dlq",
                "decisions-topic", prefix + ".decisions",
                "outcomes-topic", prefix + ".outcomes",
                "registry", registryUrl));
        if (model) {
            args.put("registry-token", "local-reader-token");
        } else {
            args.put("model-updates-topic", "bench.model-updates.none");
            args.put("features-topic", prefix + ".features");
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                BenchJobs.configuration(settings.stateBackend()));
        ScoringJob.onKafka(ScoringConfig.from(JobArgs.of(args))).build(env);
        long started = System.nanoTime();
        env.execute(prefix);
        double seconds = (System.nanoTime() - started) / 1e9;
        long rejected = kafka.count(prefix + ".dlq");
        if (rejected != 0) {
            throw new IllegalStateException("the replay dead-lettered " + rejected + " events");
        }
        String outputs;
        if (model) {
            outputs = String.format("%,d decisions", kafka.count(prefix + ".decisions"));
        } else {
            long vectors = kafka.count(prefix + ".features");
            if (vectors != settings.events()) {
                throw new IllegalStateException("the replay wrote " + vectors + " vectors, expected " + settings.events());
            }
            outputs = String.format("%,d feature vectors", vectors);
        }
        System.out.printf("  streaming replay (%s): %,d events in %.1f s, %s%n", model ? "scoring job" : "features only",
                settings.events(), seconds, outputs);
        return settings.events() / seconds;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new InvalidJobArgumentException(message);
        }
    }
}
