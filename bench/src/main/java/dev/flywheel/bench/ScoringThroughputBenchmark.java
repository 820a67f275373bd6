package dev.flywheel.bench;

import dev.flywheel.bench.BenchJobs.RunClock;
import dev.flywheel.bench.BenchJobs.TopicStats;
import dev.flywheel.bench.StartGate.CountingArtifacts;
import dev.flywheel.bench.StartGate.GatedParser;
import dev.flywheel.decisions.Decision;
import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.Topics;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.jobs.FlinkSettings;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import dev.flywheel.jobs.KafkaConnectors;
import dev.flywheel.jobs.Operator;
import dev.flywheel.jobs.features.FeatureTypes;
import dev.flywheel.jobs.features.FeatureVectorRecordSerializer;
import dev.flywheel.jobs.features.UserFeatureFunction;
import dev.flywheel.jobs.ingest.Clickstream;
import dev.flywheel.jobs.ingest.DeadLetterRecordSerializer;
import dev.flywheel.jobs.outcomes.OutcomeRecordSerializer;
import dev.flywheel.jobs.scoring.DecisionRecordSerializer;
import dev.flywheel.jobs.scoring.ScoringConfig;
import dev.flywheel.jobs.scoring.ScoringFunction;
import dev.flywheel.jobs.scoring.ScoringJob;
import dev.flywheel.jobs.serving.ModelUpdate;
import dev.flywheel.jobs.serving.ModelUpdatesDeserializer;
import dev.flywheel.jobs.serving.RegistryArtifacts;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatorConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * What deciding inline costs, and what it saves over a bolt-on model server, in one run on one
 * topic of simulated events. Five bounded jobs read the same topic at the same parallelism on a
 * MiniCluster in this JVM:
 *
 * <ol>
 *   <li>a Kafka-to-Kafka passthrough (bytes in, bytes out);
 *   <li>the same through the scoring job's two shuffles (no parsing, no state);
 *   <li>the scoring job with no model registered for it: features only, every vector written;
 *   <li>the scoring job serving the model registered with a real registry in this JVM: features,
 *       inline ONNX scoring, decisions and exactly-once outcomes written to Kafka;
 *   <li>the bolt-on comparator: the same feature stages, then one HTTP call per event to a model
 *       server running the same ONNX model ({@link HttpModelServer}), from Flink's async I/O.
 * </ol>
 *
 * Then the latency: the scoring job runs unbounded while a paced producer writes events at about
 * half the rate the job sustained, for each network buffer timeout asked for; p50 and p99 from an
 * event's produce time to the moment its decision is read from the {@code decisions} topic.
 *
 * <pre>
 * scripts/bench-scoring.sh [--events 200000] [--parallelism 2] [--buffer-timeouts 0,5,100] ...
 * </pre>
 *
 * <p>The HTTP comparator reads only the topic's first {@code --http-events} (30,000): at about a
 * thousand calls a second here it would otherwise take minutes, and its rate is set by the
 * remote call, not by the size of the feature state.
 *
 * <p>A run's time is from its first record read to its last output record written (the producer's
 * timestamp of the newest record in its output topics), the same for every job: MiniCluster
 * start-up, the wait for a model to load and the wait for the final checkpoint are not counted,
 * and each job runs once to warm up (the HTTP comparator excepted: its run is long enough) before
 * anything is measured. Every run's outputs are counted: one record per event, or the run fails.
 */
public final class ScoringThroughputBenchmark {
    static final Set<String> ARGUMENTS = Set.of("events", "users", "parallelism", "state-backend", "seed", "model",
            "http-capacity", "http-threads", "http-events", "buffer-timeouts", "linger", "checkpoint-interval",
            "latency-rate", "latency-seconds", "latency-warmup", "warm-up");

    private static final String CLICKSTREAM = "bench.clickstream";
    private static final String NO_MODEL_UPDATES = "bench.model-updates.none";
    private static final Duration MODEL_SETTLE = Duration.ofSeconds(1);

    /** The run's settings, validated once. */
    record Settings(int events, int users, int parallelism, String stateBackend, long seed, Path model,
            int httpCapacity, int httpThreads, int httpEvents, List<Duration> bufferTimeouts, Duration linger,
            Duration checkpointInterval, double latencyRate, Duration latencySeconds, Duration latencyWarmup,
            boolean warmUp) {

        static Settings from(JobArgs args) {
            int events = args.integer("events", 200_000);
            int users = args.integer("users", 100_000);
            int parallelism = args.integer("parallelism", 2);
            String stateBackend = args.string("state-backend", "hashmap");
            List<Duration> timeouts = args.list("buffer-timeouts", List.of("0", "5", "100")).stream()
                    .map(ScoringThroughputBenchmark::millis).toList();
            String rate = args.optional("latency-rate");
            Settings settings = new Settings(events, users, parallelism, stateBackend, args.integer("seed", 42),
                    args.optional("model") == null ? null : Path.of(args.optional("model")),
                    args.integer("http-capacity", 64), args.integer("http-threads", 4),
                    Math.min(events, args.integer("http-events", 30_000)), timeouts,
                    args.duration("linger", Duration.ofMillis(5)),
                    args.duration("checkpoint-interval", Duration.ofSeconds(10)),
                    rate == null ? 0 : parseRate(rate), args.duration("latency-seconds", Duration.ofSeconds(20)),
                    args.duration("latency-warmup", Duration.ofSeconds(10)), args.bool("warm-up", true));
            require(events > 0, "--events must be positive");
            require(users > 0, "--users must be positive");
            require(parallelism > 0, "--parallelism must be positive");
            require(stateBackend.equals("hashmap") || stateBackend.equals("rocksdb"),
                    "--state-backend must be hashmap or rocksdb");
            require(settings.httpCapacity > 0 && settings.httpThreads > 0 && settings.httpEvents > 0,
                    "--http-capacity, --http-threads and --http-events must be positive");
            require(!settings.latencySeconds.isNegative(), "--latency-seconds must not be negative (0 skips latency)");
            require(settings.model == null || Files.isDirectory(settings.model),
                    "--model: no such directory: " + settings.model);
            return settings;
        }

        /** The buffer timeout the throughput runs use: the job's default (5 ms) if listed, else the first. */
        Duration throughputBufferTimeout() {
            return bufferTimeouts.contains(Duration.ofMillis(5)) ? Duration.ofMillis(5) : bufferTimeouts.get(0);
        }
    }

    /** One bounded run: events per second and the outputs it wrote. */
    record Run(String what, double eventsPerSecond, String outputs) {
    }

    /** One latency run at a buffer timeout. */
    record Latency(Duration bufferTimeout, double maxEventsPerSecond, LatencyProbe.Result probe) {
    }

    /** What the run printed, for a caller that checks it. */
    record Report(List<Run> runs, double scoringToShuffled, double inlineToHttp, List<Latency> latencies) {
    }

    private final Settings settings;
    private final EmbeddedKafka kafka;
    private final RegistryService registry;
    private final int modelVersion;
    private final HttpModelServer modelServer;

    private ScoringThroughputBenchmark(Settings settings, EmbeddedKafka kafka, RegistryService registry,
            int modelVersion, HttpModelServer modelServer) {
        this.settings = settings;
        this.kafka = kafka;
        this.registry = registry;
        this.modelVersion = modelVersion;
        this.modelServer = modelServer;
    }

    public static void main(String[] args) throws Exception {
        Settings settings;
        try {
            settings = Settings.from(JobArgs.parse(args, ARGUMENTS));
        } catch (InvalidJobArgumentException e) {
            System.err.println("bench-scoring: " + e.getMessage());
            System.exit(2);
            return;
        }
        run(settings);
    }

    static Report run(Settings settings) throws Exception {
        // The JDK's HTTP server leaves Nagle's algorithm on unless told otherwise, which with delayed
        // ACKs stalls small keep-alive answers for tens of milliseconds; no real model server does.
        // Read once, when the first server starts (the registry's, here).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        BenchModel model;
        long started = System.nanoTime();
        if (settings.model() == null) {
            model = BenchModel.train(Files.createTempDirectory("flywheel-bench-model"), settings.seed(), 20_000);
            System.out.printf("trained %s on a simulated warm-up in %.1f s (ONNX %,d bytes)%n", BenchModel.NAME,
                    seconds(System.nanoTime() - started), model.onnx().length);
        } else {
            model = BenchModel.read(settings.model());
        }
        Path store = Files.createTempDirectory("flywheel-bench-registry");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic(CLICKSTREAM, BenchJobs.PARTITIONS);
            kafka.createTopic(Topics.MODEL_UPDATES, 1, Map.of("cleanup.policy", "compact"));
            kafka.createTopic(NO_MODEL_UPDATES, 1, Map.of("cleanup.policy", "compact"));
            try (RegistryService registry = RegistryService.start(
                        RegistryService.Config.local(store).withKafka(kafka.bootstrapServers()));
                    HttpModelServer server = new HttpModelServer(model, settings.httpThreads())) {
                RegistryClient editor = new RegistryClient(URI.create(registry.url()), "local-editor-token");
                int version = editor.register(model.descriptor(), model.onnx()).version();
                ServingConfig serving = editor.servingConfig(BenchModel.NAME);
                System.out.printf("registered %s v%d with the registry at %s: serving %s%n", BenchModel.NAME, version,
                        registry.url(), serving.variants().stream().map(v -> v.role() + " v" + v.version()).toList());
                return new ScoringThroughputBenchmark(settings, kafka, registry, version, server).measure();
            }
        }
    }

    private Report measure() throws Exception {
        long produceStart = System.nanoTime();
        BenchJobs.produce(kafka.bootstrapServers(), CLICKSTREAM,
                new ShopSimulator(SimulatorConfig.defaults(settings.seed()).withUsers(settings.users())), settings.events());
        System.out.printf("produced %,d simulated events (%,d users in the population) to %d partitions in %.1f s;"
                        + " parallelism %d, %s state, buffer timeout %d ms, linger %d ms, checkpoints every %d s%n",
                settings.events(), settings.users(), BenchJobs.PARTITIONS, seconds(System.nanoTime() - produceStart),
                settings.parallelism(), settings.stateBackend(), settings.throughputBufferTimeout().toMillis(),
                settings.linger().toMillis(), settings.checkpointInterval().toSeconds());

        Duration bufferTimeout = settings.throughputBufferTimeout();
        if (settings.warmUp()) {
            long warmStart = System.nanoTime();
            passthrough("warm-pass", false);
            passthrough("warm-shuffled", true);
            scoringJob("warm-features", false, bufferTimeout);
            scoringJob("warm-scoring", true, bufferTimeout);
            System.out.printf("warmed up (every job but the HTTP comparator ran once) in %.0f s%n",
                    seconds(System.nanoTime() - warmStart));
        }
        List<Run> runs = new ArrayList<>();
        runs.add(passthrough("pass", false));
        runs.add(passthrough("shuffled", true));
        runs.add(scoringJob("features", false, bufferTimeout));
        ScoringTimeReporter.reset();
        Run scoring = scoringJob("scoring", true, bufferTimeout);
        runs.add(scoring);
        double inJobNanos = ScoringTimeReporter.meanNanos();
        double inJobMedian = ScoringTimeReporter.medianNanos();
        double inJobP99 = ScoringTimeReporter.p99Nanos();
        runs.add(httpComparator("http", bufferTimeout));

        System.out.printf("%n%-46s  %12s  %s%n", "job (bounded, same topic, parallelism " + settings.parallelism() + ")",
                "events/s", "outputs");
        for (Run run : runs) {
            System.out.printf("%-46s  %,12.0f  %s%n", run.what(), run.eventsPerSecond(), run.outputs());
        }
        double shuffled = runs.get(1).eventsPerSecond();
        double features = runs.get(2).eventsPerSecond();
        double http = runs.get(4).eventsPerSecond();
        double scoringToShuffled = scoring.eventsPerSecond() / shuffled;
        double inlineToHttp = scoring.eventsPerSecond() / http;
        System.out.printf("scoring job / two-shuffle passthrough: %.2f (target >= 0.5: %s)%n", scoringToShuffled,
                scoringToShuffled >= 0.5 ? "met" : "NOT met");
        System.out.printf("inline scoring job / HTTP comparator:  %.1fx (target >= 10x: %s)%n", inlineToHttp,
                inlineToHttp >= 10 ? "met" : "NOT met");
        System.out.printf("what deciding adds per event over features only: %.2f us of job time (%.2f us at %,.0f"
                        + " vs %.2f us at %,.0f ev/s); ONNX call in the job: median %.0f ns, mean %.0f ns, p99 %.0f ns%n",
                1e6 / scoring.eventsPerSecond() - 1e6 / features, 1e6 / scoring.eventsPerSecond(),
                scoring.eventsPerSecond(), 1e6 / features, features, inJobMedian, inJobNanos, inJobP99);

        List<Latency> latencies = new ArrayList<>();
        if (!settings.latencySeconds().isZero()) {
            latencies = latency(scoring.eventsPerSecond());
        }
        return new Report(runs, scoringToShuffled, inlineToHttp, latencies);
    }

    private Run passthrough(String label, boolean shuffled) throws Exception {
        String run = label;
        String out = "bench." + label + ".out";
        kafka.createTopic(out, BenchJobs.PARTITIONS);
        StreamExecutionEnvironment env = BenchJobs.passthrough(kafka, CLICKSTREAM, out, settings.parallelism(), run,
                shuffled, configuration());
        env.execute("bench-" + label);
        TopicStats written = BenchJobs.stats(kafka, out);
        expect(label, "records", written.records(), settings.events());
        return new Run(shuffled ? "two-shuffle passthrough" : "Kafka passthrough",
                eventsPerSecond(run, written.lastWrittenMillis()), String.format("%,d records", written.records()));
    }

    /**
     * The real scoring job on this run's topics. With {@code model} it reads the registry's
     * {@code model-updates} and writes decisions and outcomes; without, it reads an empty
     * changelog, so no model is served, and writes the features topic instead.
     */
    private Run scoringJob(String label, boolean model, Duration bufferTimeout) throws Exception {
        ScoringConfig config = ScoringConfig.from(JobArgs.of(jobArgs(label, model, bufferTimeout, true)));
        for (String topic : new String[] {config.decisionsTopic(), config.outcomesTopic(), config.job().deadLetterTopic(),
                config.job().lateTopic()}) {
            kafka.createTopic(topic, BenchJobs.PARTITIONS);
        }
        if (config.featuresTopic() != null) {
            kafka.createTopic(config.featuresTopic(), BenchJobs.PARTITIONS);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                ScoringTimeReporter.install(configuration()));
        gatedScoringJob(label, config, model).build(env);
        env.execute("bench-" + label);

        TopicStats dlq = BenchJobs.stats(kafka, config.job().deadLetterTopic());
        expect(label, "dead letters", dlq.records(), 0);
        if (model) {
            TopicStats decisions = BenchJobs.stats(kafka, config.decisionsTopic());
            TopicStats outcomes = BenchJobs.stats(kafka, config.outcomesTopic());
            expect(label, "decisions", decisions.records(), settings.events());
            expect(label, "outcomes", outcomes.records(), settings.events());
            return new Run("features + scoring + outcomes (scoring job)",
                    eventsPerSecond(label, Math.max(decisions.lastWrittenMillis(), outcomes.lastWrittenMillis())),
                    String.format("%,d decisions, %,d outcomes (exactly-once)", decisions.records(), outcomes.records()));
        }
        TopicStats vectors = BenchJobs.stats(kafka, config.featuresTopic());
        expect(label, "feature vectors", vectors.records(), settings.events());
        expect(label, "decisions", BenchJobs.stats(kafka, config.decisionsTopic()).records(), 0);
        return new Run("features only (scoring job, no model)", eventsPerSecond(label, vectors.lastWrittenMillis()),
                String.format("%,d feature vectors, 0 decisions", vectors.records()));
    }

    /**
     * {@link ScoringJob#onKafka} as it wires the job, with the clickstream behind the run's
     * {@link StartGate} and the registry's artifacts counted for it.
     */
    private ScoringJob gatedScoringJob(String label, ScoringConfig config, boolean model) {
        KafkaConnectors connectors = new KafkaConnectors(config.job().kafka(), "bench-" + label);
        if (model) {
            StartGate.openAfterFetches(label, settings.parallelism(), MODEL_SETTLE, Duration.ofMinutes(2));
        }
        return new ScoringJob(config,
                connectors.source(config.job().clickstreamTopic(), new GatedParser(label, config.job().maxPayloadBytes())),
                connectors.changelog(config.modelUpdatesTopic(), new ModelUpdatesDeserializer()),
                new CountingArtifacts(label, new RegistryArtifacts(config.registry(), config.registryToken())),
                new ScoringJob.Outputs(
                        connectors.sink(new DecisionRecordSerializer(config.decisionsTopic()), "decisions"),
                        connectors.sink(new OutcomeRecordSerializer(config.outcomesTopic()), "outcomes",
                                DeliveryGuarantee.EXACTLY_ONCE),
                        config.featuresTopic() == null ? null
                                : connectors.sink(new FeatureVectorRecordSerializer(config.featuresTopic()), "features"),
                        connectors.sink(new DeadLetterRecordSerializer(config.job().deadLetterTopic()), "dlq")));
    }

    /**
     * The bolt-on design: the scoring job's own feature stages (its item stage serving no model,
     * emitting every vector), then an HTTP call per event from async I/O, decisions to Kafka.
     * No outcome stage: that only flatters the comparator.
     */
    private Run httpComparator(String label, Duration bufferTimeout) throws Exception {
        ScoringConfig config = ScoringConfig.from(JobArgs.of(jobArgs(label, false, bufferTimeout, true)));
        kafka.createTopic(config.decisionsTopic(), BenchJobs.PARTITIONS);
        kafka.createTopic(config.job().deadLetterTopic(), BenchJobs.PARTITIONS);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration());
        FlinkSettings.apply(env, config.job());
        env.setBufferTimeout(config.bufferTimeout().toMillis());
        KafkaConnectors connectors = new KafkaConnectors(config.job().kafka(), "bench-" + label);
        Map<TopicPartition, Long> stops = firstOffsets(settings.httpEvents());
        long httpEvents = stops.values().stream().mapToLong(Long::longValue).sum();

        var events = Clickstream.events(env,
                firstEventsOfClickstream(label, stops, config.job().maxPayloadBytes()), config.job(),
                connectors.sink(new DeadLetterRecordSerializer(config.job().deadLetterTopic()), "dlq"));
        BroadcastStream<ModelUpdate> noModels = env
                .fromSource(connectors.changelog(NO_MODEL_UPDATES, new ModelUpdatesDeserializer()),
                        WatermarkStrategy.noWatermarks(), Operator.MODEL_UPDATES_SOURCE.name(), ModelUpdatesDeserializer.TYPE)
                .uid(Operator.MODEL_UPDATES_SOURCE.uid())
                .broadcast(ScoringFunction.SERVING_CONFIGS);
        SingleOutputStreamOperator<Decision> itemStage = events
                .keyBy(ShopperEvent::userId, Types.STRING)
                .process(new UserFeatureFunction(config.features()), FeatureTypes.EVENT_WITH_USER)
                .uid(Operator.USER_FEATURES.uid()).name(Operator.USER_FEATURES.name())
                .keyBy(ScoringFunction::key, Types.STRING)
                .connect(noModels)
                .process(new ScoringFunction(config.features(), config.models(),
                        new RegistryArtifacts(config.registry(), config.registryToken()), true), FeatureTypes.DECISION)
                .uid(Operator.SCORING.uid()).name("Item features (keyed by item), no model");
        DataStream<FeatureVector> vectors = itemStage.getSideOutput(ScoringFunction.FEATURE_VECTORS);
        AsyncDataStream.unorderedWait(vectors, new HttpScoring(modelServer.url(), modelVersion), 60, TimeUnit.SECONDS,
                        settings.httpCapacity())
                .returns(FeatureTypes.DECISION)
                .uid("bench-http-scoring").name("Score over HTTP (async I/O)")
                .sinkTo(connectors.sink(new DecisionRecordSerializer(config.decisionsTopic()), "decisions"))
                .uid(Operator.DECISIONS_SINK.uid()).name(Operator.DECISIONS_SINK.name());

        long requestsBefore = modelServer.requests();
        env.execute("bench-" + label);
        TopicStats decisions = BenchJobs.stats(kafka, config.decisionsTopic());
        expect(label, "decisions", decisions.records(), httpEvents);
        long requests = modelServer.requests() - requestsBefore;
        return new Run("bolt-on: features + HTTP model server",
                eventsPerSecond(label, httpEvents, decisions.lastWrittenMillis()),
                String.format("%,d decisions for the topic's first %,d events, %,d HTTP requests (%d in flight per"
                        + " subtask, %d server threads)", decisions.records(), httpEvents, requests,
                        settings.httpCapacity(), settings.httpThreads()));
    }

    /**
     * Where each partition's first {@code count * share} events end: a model server this slow would
     * take many minutes over the whole topic, and its rate is set by the remote call, not by how
     * many users the state holds.
     */
    private Map<TopicPartition, Long> firstOffsets(int count) {
        try (var admin = kafka.admin()) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < BenchJobs.PARTITIONS; p++) {
                partitions.add(new TopicPartition(CLICKSTREAM, p));
            }
            Map<TopicPartition, Long> stops = new HashMap<>();
            var ends = admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p,
                    p -> OffsetSpec.latest()))).all().get();
            ends.forEach((partition, end) -> stops.put(partition, end.offset() * count / settings.events()));
            return stops;
        } catch (Exception e) {
            throw new IllegalStateException("could not read the clickstream's end offsets", e);
        }
    }

    private KafkaSource<Either<DeadLetter, ShopperEvent>> firstEventsOfClickstream(String run,
            Map<TopicPartition, Long> stops, int maxPayloadBytes) {
        return KafkaSource.<Either<DeadLetter, ShopperEvent>>builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .setTopics(CLICKSTREAM)
                .setGroupId("bench-" + run)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setBounded(OffsetsInitializer.offsets(stops))
                .setDeserializer(new GatedParser(run, maxPayloadBytes))
                .build();
    }

    /** Latency at each buffer timeout, paced at half the rate the job sustained (or --latency-rate). */
    private List<Latency> latency(double sustained) throws Exception {
        double rate = settings.latencyRate() > 0 ? settings.latencyRate() : Math.floor(sustained / 2 / 100) * 100;
        System.out.printf("%nlatency: the scoring job unbounded, events paced at %,.0f/s (%s), %d s measured after"
                        + " %d s of warm-up per setting; linger %d ms on the job's sinks and 0 on the paced producer;"
                        + " the reader of decisions polls with fetch.min.bytes=1, fetch.max.wait.ms=100; checkpoints"
                        + " every %d s (exactly-once outcomes, at-least-once decisions)%n", rate,
                settings.latencyRate() > 0 ? "--latency-rate" : "half the scoring job's bounded rate",
                settings.latencySeconds().toSeconds(), settings.latencyWarmup().toSeconds(), settings.linger().toMillis(),
                settings.checkpointInterval().toSeconds());
        List<Latency> results = new ArrayList<>();
        for (Duration timeout : settings.bufferTimeouts()) {
            double max = timeout.equals(settings.throughputBufferTimeout()) ? sustained : Double.NaN;
            if (Double.isNaN(max)) {
                max = scoringJob("scoring-bt" + timeout.toMillis(), true, timeout).eventsPerSecond();
            }
            results.add(new Latency(timeout, max, pacedRun(timeout, rate)));
        }
        System.out.printf("%n%14s  %14s  %12s  %22s  %22s  %s%n", "buffer timeout", "max events/s", "paced ev/s",
                "to readable p50 / p99", "to decided p50 / p99", "decisions for measured events");
        boolean met = true;
        for (Latency latency : results) {
            LatencyProbe.Result probe = latency.probe();
            System.out.printf("%11d ms  %,14.0f  %,12.0f  %9d / %6d ms  %9d / %6d ms  %,d of %,d%n",
                    latency.bufferTimeout().toMillis(), latency.maxEventsPerSecond(), probe.achievedRate(),
                    probe.readableP50(), probe.readableP99(), probe.decidedP50(), probe.decidedP99(), probe.decided(),
                    probe.measured());
            if (latency.bufferTimeout().equals(settings.throughputBufferTimeout())) {
                met = probe.readableP99() <= 50;
            }
        }
        System.out.printf("(readable: input record CreateTime to the decision's arrival at a consumer of decisions;"
                        + " decided: to the decision's decisionTime; p99 target <= 50 ms at the job's default"
                        + " buffer timeout: %s)%n", met ? "met" : "NOT met");
        return results;
    }

    private LatencyProbe.Result pacedRun(Duration bufferTimeout, double rate) throws Exception {
        String label = "latency-bt" + bufferTimeout.toMillis();
        Map<String, String> args = jobArgs(label, true, bufferTimeout, false);
        args.put("clickstream-topic", "bench." + label + ".clickstream");
        ScoringConfig config = ScoringConfig.from(JobArgs.of(args));
        for (String topic : new String[] {config.job().clickstreamTopic(), config.decisionsTopic(),
                config.outcomesTopic(), config.job().deadLetterTopic(), config.job().lateTopic()}) {
            kafka.createTopic(topic, BenchJobs.PARTITIONS);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration());
        ScoringJob.onKafka(config).build(env);
        var job = env.executeAsync("bench-" + label);
        try (LatencyProbe probe = new LatencyProbe(kafka.bootstrapServers(), config.job().clickstreamTopic(),
                config.decisionsTopic(), new ShopSimulator(SimulatorConfig.defaults(settings.seed() + 1)
                        .withUsers(settings.users())))) {
            return probe.run(rate, settings.latencyWarmup(), settings.latencySeconds());
        } finally {
            job.cancel().get(1, TimeUnit.MINUTES);
            // Cancelled tasks still abort their Kafka transactions: the broker must outlive them.
            try {
                job.getJobExecutionResult().get(2, TimeUnit.MINUTES);
            } catch (java.util.concurrent.ExecutionException expected) {
                // a cancelled job ends exceptionally
            }
        }
    }

    /** The scoring job's arguments for a run; bounded runs read the shared topic. */
    private Map<String, String> jobArgs(String label, boolean model, Duration bufferTimeout, boolean bounded) {
        Map<String, String> args = new HashMap<>();
        args.put("bootstrap", kafka.bootstrapServers());
        args.put("group-id", "bench-" + label);
        args.put("starting-offsets", "earliest");
        args.put("bounded", Boolean.toString(bounded));
        args.put("parallelism", Integer.toString(settings.parallelism()));
        args.put("clickstream-topic", CLICKSTREAM);
        args.put("dlq-topic", "bench." + label + ".dlq");
        args.put("late-topic", "bench." + label + ".late");
        args.put("decisions-topic", "bench." + label + ".decisions");
        args.put("outcomes-topic", "bench." + label + ".outcomes");
        args.put("model-updates-topic", model ? Topics.MODEL_UPDATES : NO_MODEL_UPDATES);
        args.put("registry", registry.url());
        args.put("registry-token", "local-reader-token");
        args.put("buffer-timeout", bufferTimeout.toMillis() + "ms");
        args.put("linger", settings.linger().toMillis() + "ms");
        args.put("checkpoint-interval", settings.checkpointInterval().toMillis() + "ms");
        if (!model && bounded) {
            args.put("features-topic", "bench." + label + ".features");
        }
        return args;
    }

    private Configuration configuration() throws IOException {
        return BenchJobs.configuration(settings.stateBackend());
    }

    private double eventsPerSecond(String run, long lastWrittenMillis) {
        return eventsPerSecond(run, settings.events(), lastWrittenMillis);
    }

    private static double eventsPerSecond(String run, long events, long lastWrittenMillis) {
        long millis = lastWrittenMillis - RunClock.firstRead(run);
        return events / (Math.max(1, millis) / 1000.0);
    }

    private static void expect(String run, String what, long actual, long expected) {
        if (actual != expected) {
            throw new IllegalStateException(run + " wrote " + actual + " " + what + ", expected " + expected);
        }
    }

    private static Duration millis(String text) {
        try {
            long millis = Long.parseLong(text);
            if (millis < 0) {
                throw new NumberFormatException();
            }
            return Duration.ofMillis(millis);
        } catch (NumberFormatException e) {
            throw new InvalidJobArgumentException("--buffer-timeouts takes milliseconds >= 0, like 0,5,100; got '"
                    + text + "'");
        }
    }

    private static double parseRate(String text) {
        try {
            double rate = Double.parseDouble(text);
            require(rate > 0, "--latency-rate must be positive");
            return rate;
        } catch (NumberFormatException e) {
            throw new InvalidJobArgumentException("--latency-rate must be events per second, got '" + text + "'");
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new InvalidJobArgumentException(message);
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
