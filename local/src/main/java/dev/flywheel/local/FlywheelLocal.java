package dev.flywheel.local;

import dev.flywheel.events.EventCodec;
import dev.flywheel.events.Topics;
import dev.flywheel.local.JobMetrics.Aggregate;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.models.ServingVariant;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.http.Credentials;
import dev.flywheel.simulator.ClickstreamProducer;
import dev.flywheel.simulator.DriftScenario;
import dev.flywheel.simulator.EventFile;
import dev.flywheel.simulator.KafkaRecordSink;
import dev.flywheel.simulator.KeyedRecord;
import dev.flywheel.simulator.Pacing;
import dev.flywheel.simulator.RecordStream;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedClickstream;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.simulator.TaobaoReplay;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One command for the whole loop on one machine: a first model trained from a simulated warm-up
 * and registered; Kafka, Flink and the model registry in this JVM; shop traffic flowing in; the
 * analytics and scoring jobs running side by side; a status line every second until
 * {@code --seconds} or Ctrl-C.
 */
@Command(name = "run-local.sh", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs Flywheel on the embedded stack: Kafka (KRaft), a Flink MiniCluster and the model registry "
                + "in one JVM, with a model trained on a simulated warm-up.")
public final class FlywheelLocal implements Callable<Integer> {

    @Option(names = "--seconds", description = "Stop after this many seconds of traffic (default: run until Ctrl-C).")
    long seconds;

    @Option(names = "--rate", description = "Events per second sent into clickstream (default: ${DEFAULT-VALUE}).")
    double rate = 2_000;

    @Option(names = "--seed", description = "Simulator seed, of the warm-up and the live traffic (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--users", description = "Simulated shoppers (default: ${DEFAULT-VALUE}).")
    int users = 100_000;

    @Option(names = "--malformed-rate", description = "Share of records replaced by malformed ones (default: ${DEFAULT-VALUE}).")
    double malformedRate = 0.005;

    @Option(names = "--drift", description = "Scripted drift, offsets from the start of the live traffic, "
            + "e.g. preference_shift@2h,price_shock@3h:1.5,bot_burst@4h+20m.")
    String drift;

    @Option(names = "--taobao", description = "Replay this Taobao UserBehavior CSV instead of simulating; "
            + "the model trained on the simulated warm-up scores it.")
    Path taobao;

    @Option(names = "--events", paramLabel = "FILE",
            description = "Send this JSON-lines file of your own events (docs/events.md) instead of simulating;"
                    + " a file not in time order is sorted in memory up to --sort-limit records, or refused.")
    Path events;

    @Option(names = "--sort-limit", paramLabel = "N",
            description = "With --events: the largest out-of-order file sorted in memory, in records (default: ${DEFAULT-VALUE}).")
    int sortLimit = EventFile.DEFAULT_SORT_LIMIT;

    @Option(names = "--speedup", description = "With --taobao or --events: event-time speed-up, 0 = as fast as --rate allows (default: ${DEFAULT-VALUE}).")
    double speedup = 0;

    @Option(names = "--warmup-events", description = "Simulated warm-up events the first model trains on (default: ${DEFAULT-VALUE}).")
    int warmupEvents = 100_000;

    @Option(names = "--challenger", paramLabel = "SHARE",
            description = "Also train a second version on another warm-up (seed + 1) and serve it as challenger to this share of shoppers, e.g. 0.2.")
    Double challengerShare;

    @Option(names = "--promote-after", paramLabel = "SECONDS",
            description = "With --challenger: promote the challenger to champion this many seconds into the traffic.")
    Long promoteAfter;

    @Option(names = "--bootstrap-from", paramLabel = "FILE|SAVEPOINT",
            description = "Start the scoring job with warm features: bootstrapped from this history file (contract "
                    + "JSON lines, or a Taobao .csv) or from this savepoint directory. The history should end before "
                    + "the live traffic begins (docs/state.md).")
    Path bootstrapFrom;

    @Option(names = "--parallelism", description = "Flink job parallelism (default: ${DEFAULT-VALUE}).")
    int parallelism = 2;

    @Option(names = "--ui-port", description = "Flink web UI port; the next free one is taken if busy (default: ${DEFAULT-VALUE}).")
    int uiPort = 8081;

    @Option(names = "--registry-port", description = "Model registry port; any free one is taken if busy (default: ${DEFAULT-VALUE}).")
    int registryPort = 8095;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Use your own Kafka instead of the embedded broker; missing topics are created.")
    String bootstrap;

    @Option(names = "--clickstream-topic", description = "Topic the events are sent to (default: ${DEFAULT-VALUE}).")
    String clickstreamTopic = Topics.CLICKSTREAM;

    @Option(names = "--dlq-topic", description = "Topic of rejected records (default: ${DEFAULT-VALUE}).")
    String dlqTopic = Topics.CLICKSTREAM_DLQ;

    @Option(names = "--late-topic", description = "Topic of events too late for their window (default: ${DEFAULT-VALUE}).")
    String lateTopic = Topics.CLICKSTREAM_LATE;

    @Option(names = "--analytics-topic", description = "Topic of minute analytics (default: ${DEFAULT-VALUE}).")
    String analyticsTopic = Topics.ANALYTICS;

    @Option(names = "--decisions-topic", description = "Topic of decisions (default: ${DEFAULT-VALUE}).")
    String decisionsTopic = Topics.DECISIONS;

    @Option(names = "--outcomes-topic", description = "Topic of outcomes (default: ${DEFAULT-VALUE}).")
    String outcomesTopic = Topics.OUTCOMES;

    /** Where the run's registry keeps its versions by default; emptied at start, as the broker starts empty. */
    static final Path REGISTRY_STORE = Path.of("run", "local-registry");

    @Option(names = "--registry-store", paramLabel = "DIR",
            description = "The run's model registry store, emptied at start (default: ${DEFAULT-VALUE}).")
    Path registryStore = REGISTRY_STORE;
    /** How long the jobs may take to deploy before the run gives up. */
    private static final Duration START_DEADLINE = Duration.ofMinutes(3);
    /**
     * Event-to-decision latencies above this are reported as "over" it. It is also how long send
     * times and decided ids are kept at least ({@link SendTimes}), at most twice this: memory in
     * proportion to the rate, about 20 MB at 2,000 events/s.
     */
    private static final long LATENCY_CEILING_MILLIS = 30_000;

    /** How long the jobs get to read the rest of an events file once it is all sent. */
    private static final Duration DRAIN_DEADLINE = Duration.ofMinutes(2);

    private final PrintStream out;
    private volatile boolean stopRequested;
    private LocalTopics topics;
    private EventFile.Opened eventFile;

    FlywheelLocal(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, new PrintWriter(System.err, true)));
    }

    /** Runs the command; returns 0, 1 after a failure or 2 after bad arguments, with one line on {@code err}. */
    static int execute(String[] args, PrintWriter err) {
        return execute(args, System.out, err);
    }

    static int execute(String[] args, PrintStream out, PrintWriter err) {
        return LocalCommands.execute(new FlywheelLocal(out), "run-local", args, err);
    }

    /** The models trained before the stack starts. */
    private record Models(WarmupModel champion, WarmupModel challenger) {
    }

    @Override
    public Integer call() throws Exception {
        validate();
        long started = System.nanoTime();
        if (events != null) {
            // Before training: a file that must be refused is refused at once.
            eventFile = EventFile.open(events, sortLimit, EventFile.DEFAULT_TOLERANCE, new EventCodec());
            out.println(events + ": " + eventFile.order().describe() + (eventFile.sorted() ? "; sorted by ts in memory" : ""));
        }
        Models models = train();
        CompletableFuture<RecordStream> records = CompletableFuture.supplyAsync(() -> records(models.champion()));

        // From here on Ctrl-C lets the run stop what it started: the hook waits until it has.
        CountDownLatch finished = new CountDownLatch(1);
        Thread shutdownHook = new Thread(() -> {
            stopRequested = true;
            try {
                finished.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "flywheel-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        LocalStack stack = null;
        try {
            out.println(bootstrap == null ? "starting Kafka (KRaft), a Flink MiniCluster and the model registry..."
                    : "starting a Flink MiniCluster and the model registry on Kafka " + bootstrap + "...");
            emptyRegistryStore();
            stack = LocalStack.start(uiPort, Math.max(4, parallelism * 2), 4, registryStore, registryPort,
                    LocalStack.FLINK_METRICS_PORT, bootstrap, topics);
            if (!stopRequested) {
                run(stack, models, records, started);
            }
        } finally {
            if (stack != null) {
                stack.close();
            }
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is what is waiting for us.
            }
        }
        return 0;
    }

    /** Trains before anything starts: the heap is then free for training, and a too-short warm-up fails fast. */
    private Models train() throws Exception {
        if (events != null) {
            out.println("note: your events are scored by a model trained on the simulated shop's warm-up;"
                    + " its scores are calibrated for that shop, not yours");
        }
        if (taobao != null) {
            out.println("note: --taobao replays real shoppers the simulated warm-up never showed (no prices, other habits);"
                    + " the model scores them, but its scores are calibrated for the simulated shop");
        }
        WarmupModel champion = trainOne("champion", seed);
        WarmupModel challenger = challengerShare == null ? null : trainOne("challenger", seed + 1);
        return new Models(champion, challenger);
    }

    private WarmupModel trainOne(String role, long warmupSeed) throws Exception {
        out.printf("%s: simulating a %,d-event warm-up (seed %d, %,d shoppers) and training %s on it...%n", role,
                warmupEvents, warmupSeed, users, WarmupModel.MODEL);
        try {
            WarmupModel model = WarmupModel.train(SimulatorConfig.defaults(warmupSeed).withUsers(users), warmupEvents,
                    WarmupModel.HOLDOUT_FRACTION, "run-local " + role + " warm-up");
            out.printf("%s: %s%n", role, model.report());
            return model;
        } catch (WarmupModel.WarmupTooShortException e) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--warmup-events " + warmupEvents + " is too short for a holdout: " + e.getMessage());
        }
    }

    private void run(LocalStack stack, Models models, CompletableFuture<RecordStream> records, long started)
            throws Exception {
        RegistryClient editor = new RegistryClient(URI.create(stack.registryUrl()), Credentials.LOCAL_EDITOR);
        int champion = register(editor, models.champion());
        int challenger = models.challenger() == null ? 0 : register(editor, models.challenger());
        editor.setAliases(WarmupModel.MODEL, new AliasUpdate(champion, challenger, 0,
                challenger == 0 ? 0 : challengerShare, 0));
        out.printf("registered %s v%d as champion%s%n", WarmupModel.MODEL, champion, challenger == 0 ? ""
                : String.format(", v%d as challenger for %s of shoppers", challenger, ServingSplit.percent(challengerShare)));

        Path savepoint = bootstrapFrom == null ? null
                : LocalBootstrap.savepointFor(stack, bootstrapFrom, parallelism, LocalBootstrap.SAVEPOINT, out);
        LocalJobs jobs = LocalJobs.submit(stack, parallelism, savepoint);
        try {
            if (awaitRunning(jobs)) {
                runTraffic(stack, jobs, editor, liveTraffic(records), started);
            }
        } finally {
            jobs.cancel();
        }
    }

    private static RecordStream liveTraffic(CompletableFuture<RecordStream> records) throws Exception {
        try {
            return records.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private int register(RegistryClient editor, WarmupModel model) {
        ModelVersion version = editor.register(model.descriptor(), model.onnx());
        if (version.status() != ModelStatus.READY) {
            throw new IllegalStateException("the registry did not accept the trained model: " + version.status() + " "
                    + version.reason() + " " + version.detail());
        }
        return version.version();
    }

    /**
     * Waits until every task of both jobs runs, so the first events don't queue behind their
     * deployment. The scoring job takes the model it loaded at its first event; the events that
     * come before its load finishes get no decision (counted as unscored).
     */
    private boolean awaitRunning(LocalJobs jobs) throws InterruptedException {
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (!stopRequested) {
            if (jobs.analyticsMetrics().running() && jobs.scoringMetrics().running()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the jobs did not start within " + START_DEADLINE.toMinutes()
                        + " min; see run/flywheel-local.log");
            }
            Thread.sleep(200);
        }
        return false;
    }

    private void runTraffic(LocalStack stack, LocalJobs jobs, RegistryClient editor, RecordStream records, long started)
            throws Exception {
        SendTimes sendTimes = new SendTimes(LATENCY_CEILING_MILLIS);
        Latencies latencies = new Latencies(LATENCY_CEILING_MILLIS, StatusLine.WINDOW);
        AtomicLong sent = new AtomicLong();
        Thread producer = new Thread(() -> {
            try (ClickstreamProducer kafka = new ClickstreamProducer(
                    sendTimes.timing(new KafkaRecordSink(stack.kafkaBootstrap(), topics.clickstream())))) {
                kafka.produce(untilStopped(records, sent), pacing(), null, progress -> { });
            }
        }, "flywheel-simulator");
        producer.setDaemon(true);

        out.printf("Kafka %s | Flink web UI %s | registry %s | ready in %.1f s%n", stack.kafkaBootstrap(),
                stack.flinkWebUi(), stack.registryUrl(), (System.nanoTime() - started) / 1e9);
        out.printf("jobs: flywheel-analytics %s, flywheel-scoring %s; models: scripts/registry.sh list --url %s --token %s%n",
                jobs.analytics().getJobID(), jobs.scoring().getJobID(), stack.registryUrl(), Credentials.LOCAL_READER);
        out.println("stop with Ctrl-C" + (seconds > 0 ? " or wait " + seconds + " s" : ""));

        StatusLine status = new StatusLine();
        long runStart = System.nanoTime();
        boolean promoted = false;
        try (AnalyticsTail tail = new AnalyticsTail(stack.kafkaBootstrap(), topics);
                DecisionsTail decisions = new DecisionsTail(stack.kafkaBootstrap(), topics, sendTimes, latencies)) {
            producer.start();
            while (!stopRequested && (seconds <= 0 || System.nanoTime() - runStart < seconds * 1_000_000_000L)
                    && producer.isAlive()) {
                long until = System.nanoTime() + 1_000_000_000L;
                while (System.nanoTime() < until && !stopRequested) {
                    tail.poll();
                }
                double elapsed = (System.nanoTime() - runStart) / 1e9;
                if (promoteAfter != null && !promoted && elapsed >= promoteAfter) {
                    ServingConfig config = editor.promote(WarmupModel.MODEL);
                    out.printf("[%4.0fs] promoted v%d to champion (registry revision %d)%n", elapsed,
                            config.variant(ServingVariant.CHAMPION).map(ServingVariant::version).orElse(0),
                            config.revision());
                    promoted = true;
                }
                Map<String, Long> analytics = jobs.analyticsMetrics().sums();
                Map<String, Aggregate> scoring = jobs.scoringMetrics().read();
                DecisionsTail.Counts counts = decisions.counts();
                out.println(status.line(new StatusLine.Snapshot(elapsed, sent.get(), parsed(analytics),
                        tail.deadLetters(), analytics.getOrDefault(LocalJobs.LATE, 0L), tail.latestMinute(),
                        counts.decisions() - counts.repeated(), ServingSplit.describe(scoring),
                        latencies.recent(System.currentTimeMillis()), counts.outcomes(), counts.purchased())));
            }
            boolean fileSent = !stopRequested && !producer.isAlive() && eventFile != null;
            stopRequested = true;
            producer.join(10_000);
            if (fileSent) {
                awaitRead(jobs, tail, sent.get());
            }
            summary((System.nanoTime() - runStart) / 1e9, sent.get(), jobs, tail, decisions.counts(), latencies);
        }
    }

    private void summary(double elapsed, long sent, LocalJobs jobs, AnalyticsTail tail, DecisionsTail.Counts counts,
            Latencies latencies) {
        Map<String, Long> analytics = jobs.analyticsMetrics().sums();
        Map<String, Long> scoring = jobs.scoringMetrics().sums();
        long parsed = parsed(analytics);
        String byVersion = counts.actedByVersion().entrySet().stream()
                .map(e -> String.format("v%d %,d", e.getKey(), e.getValue())).collect(Collectors.joining(", "));
        Latencies.Percentiles run = latencies.run();
        out.printf("stopped after %.0f s: sent %,d records (%,.0f/s); analytics parsed %,d (%,.0f/s), %,d dead-lettered,"
                        + " %,d minutes published; %,d decisions (%s; %,d events unscored%s), e2e %s; %,d outcomes (%,d bought);"
                        + " late: %,d events (analytics), %,d decisions and %,d purchases/returns (outcomes)%n",
                elapsed, sent, sent / elapsed, parsed, parsed / elapsed, tail.deadLetters(), tail.minutesPublished(),
                counts.decisions() - counts.repeated(), byVersion.isEmpty() ? "none acted" : byVersion,
                scoring.getOrDefault(LocalJobs.UNSCORED, 0L),
                counts.repeated() == 0 ? "" : String.format("; %,d delivered again after a job restart", counts.repeated()),
                run.describe(), counts.outcomes(), counts.purchased(),
                analytics.getOrDefault(LocalJobs.LATE, 0L), scoring.getOrDefault(LocalJobs.DECISIONS_LATE, 0L),
                scoring.getOrDefault(LocalJobs.ACTIVITY_LATE, 0L));
    }

    /**
     * Once a whole file is sent, waits until the analytics job has read every record of it and its
     * rejections are on the dead-letter topic, so the summary's analytics counts (late ones
     * included) are the file's, not a moment's. Decisions and outcomes are what the scoring job
     * had delivered by then.
     */
    private void awaitRead(LocalJobs jobs, AnalyticsTail tail, long sent) throws InterruptedException {
        out.printf("all %,d records of %s sent; waiting for the jobs to read them...%n", sent, events);
        long deadline = System.nanoTime() + DRAIN_DEADLINE.toNanos();
        while (parsed(jobs.analyticsMetrics().sums()) < sent
                || tail.deadLetters() < jobs.analyticsMetrics().sums().getOrDefault(LocalJobs.REJECTED, 0L)) {
            if (System.nanoTime() > deadline) {
                out.printf("the analytics job read %,d of %,d records within %d min; the summary counts those%n",
                        parsed(jobs.analyticsMetrics().sums()), sent, DRAIN_DEADLINE.toMinutes());
                return;
            }
            tail.poll();
            Thread.sleep(200);
        }
    }

    private static long parsed(Map<String, Long> analytics) {
        return analytics.getOrDefault(LocalJobs.ACCEPTED, 0L) + analytics.getOrDefault(LocalJobs.REJECTED, 0L);
    }

    /**
     * The live traffic. Simulated, it is the warm-up's shop carrying on: same seed, the warm-up's
     * events skipped, so the model scores the hours after the ones it learned from, never its own
     * training events; drift offsets count from there.
     */
    private RecordStream records(WarmupModel warmup) {
        if (eventFile != null) {
            return eventFile.records();
        }
        if (taobao != null) {
            return TaobaoReplay.open(taobao).records(new EventCodec());
        }
        SimulatorConfig shop = SimulatorConfig.defaults(seed).withUsers(users);
        Duration warmupSpan = Duration.ofMillis(warmup.lastEventTime() + 1 - shop.startEpochMs());
        List<DriftScenario> scenarios = drift == null ? List.of() : DriftScenario.parseList(drift).stream()
                .map(d -> new DriftScenario(d.kind(), d.start().plus(warmupSpan), d.length(), d.magnitude()))
                .toList();
        ShopSimulator simulator = new ShopSimulator(shop.withDrift(scenarios));
        for (int i = 0; i < warmupEvents; i++) {
            simulator.next();
        }
        return new SimulatedClickstream(simulator, Long.MAX_VALUE, malformedRate);
    }

    private Pacing pacing() {
        return (taobao != null || events != null) && speedup > 0 ? Pacing.eventTime(speedup) : Pacing.eventsPerSecond(rate);
    }

    private Iterator<KeyedRecord> untilStopped(Iterator<KeyedRecord> records, AtomicLong sent) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !stopRequested && records.hasNext();
            }

            @Override
            public KeyedRecord next() {
                sent.incrementAndGet();
                return records.next();
            }
        };
    }

    /** scripts/run-local.sh runs from the repository root; a relative path means the caller's directory. */
    private static Path fromCallerDirectory(Path path) {
        String caller = System.getenv("FLYWHEEL_CALLER_DIR");
        return path.isAbsolute() || caller == null ? path : Path.of(caller).resolve(path);
    }

    private void emptyRegistryStore() throws IOException {
        LocalStack.deleteRecursively(registryStore);
        Files.createDirectories(registryStore);
    }

    private void validate() {
        List<String> problems = new ArrayList<>();
        if (seconds < 0) {
            problems.add("--seconds must not be negative");
        }
        if (!(rate > 0)) {
            problems.add("--rate must be positive");
        }
        if (!(malformedRate >= 0 && malformedRate <= 1)) {
            problems.add("--malformed-rate must be in [0, 1]");
        }
        if (parallelism < 1) {
            problems.add("--parallelism must be at least 1");
        }
        if (users < 1) {
            problems.add("--users must be at least 1");
        }
        if (warmupEvents < 10_000) {
            problems.add("--warmup-events must be at least 10000");
        }
        if (challengerShare != null && !(challengerShare > 0 && challengerShare < 1)) {
            problems.add("--challenger must be a share between 0 and 1 (exclusive), e.g. 0.2");
        }
        if (promoteAfter != null && challengerShare == null) {
            problems.add("--promote-after needs --challenger");
        }
        if (promoteAfter != null && promoteAfter < 0) {
            problems.add("--promote-after must not be negative");
        }
        if (promoteAfter != null && seconds > 0 && promoteAfter >= seconds) {
            problems.add("--promote-after must be less than --seconds");
        }
        if (registryPort < 0 || registryPort > 65_535) {
            problems.add("--registry-port must be a port number");
        }
        if (bootstrapFrom != null && LocalBootstrap.problemWith(bootstrapFrom) != null) {
            problems.add(LocalBootstrap.problemWith(bootstrapFrom));
        }
        if (taobao != null && !Files.isRegularFile(taobao)) {
            problems.add("--taobao: no such file " + taobao);
        }
        if (events != null) {
            events = fromCallerDirectory(events);
            if (!Files.isRegularFile(events) || !Files.isReadable(events)) {
                problems.add("--events: cannot read " + events);
            }
        }
        if (events != null && taobao != null) {
            problems.add("--events and --taobao are two sources: give one");
        }
        if (events != null && drift != null) {
            problems.add("--drift shapes simulated traffic, not --events");
        }
        if (sortLimit < 0) {
            problems.add("--sort-limit must not be negative");
        }
        if (bootstrap != null && bootstrap.isBlank()) {
            problems.add("--bootstrap needs HOST:PORT");
        }
        try {
            topics = new LocalTopics(clickstreamTopic, dlqTopic, lateTopic, analyticsTopic, decisionsTopic, outcomesTopic);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (drift != null) {
            try {
                DriftScenario.parseList(drift);
            } catch (IllegalArgumentException e) {
                problems.add("--drift: " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new CommandLine.ParameterException(new CommandLine(this), problems.get(0));
        }
    }
}
