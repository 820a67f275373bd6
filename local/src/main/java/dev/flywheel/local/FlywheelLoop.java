package dev.flywheel.local;

import dev.flywheel.embedded.pulsar.PulsarProcess;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.Topics;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.analytics.AnalyticsConfig;
import dev.flywheel.jobs.analytics.AnalyticsJob;
import dev.flywheel.jobs.monitor.MonitorConfig;
import dev.flywheel.jobs.monitor.MonitorJob;
import dev.flywheel.jobs.scoring.ScoringConfig;
import dev.flywheel.jobs.scoring.ScoringJob;
import dev.flywheel.local.report.LoopReport;
import dev.flywheel.local.report.LoopTimeline;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.models.ServingVariant;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.http.Credentials;
import dev.flywheel.registry.release.ReleaseController;
import dev.flywheel.retrain.RetrainRequest;
import dev.flywheel.simulator.ClickstreamProducer;
import dev.flywheel.simulator.DriftScenario;
import dev.flywheel.simulator.KafkaRecordSink;
import dev.flywheel.simulator.KeyedRecord;
import dev.flywheel.simulator.Pacing;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.trainer.TrainerMetrics;
import dev.flywheel.trainer.TrainingRun;
import dev.flywheel.trainer.training.TrainingOptions;
import dev.flywheel.trainer.worker.ChallengerGate;
import dev.flywheel.trainer.worker.ChallengerTraining;
import dev.flywheel.trainer.worker.RetrainOutcome;
import dev.flywheel.trainer.worker.RetrainWorker;
import dev.flywheel.http.HardenedHttpServer;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole loop in one command, on the embedded stack: a small shop with weeks of history, a
 * first model trained on its last days; Kafka, a Flink MiniCluster, the model registry and a
 * Pulsar broker; the scoring job serving the loop's model beside a frozen copy that never
 * retrains, the monitor job watching both; a trainer worker and the release controller. Live
 * traffic flows at a chosen speed of shop time, a drift is injected when asked, and the loop
 * notices, retrains, canaries and promotes (or rolls back) by itself. At the end: a report with
 * the live AUC of both models over time and the loop's milestones.
 */
@Command(name = "run-loop.sh", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs the closed loop (capture, decide, measure, improve) on the embedded stack, with a frozen "
                + "model on the same stream as the bolt-on baseline, and writes a report with charts.")
public final class FlywheelLoop implements Callable<Integer> {
    static final String LOOP_MODEL = "purchase-propensity";
    static final String FROZEN_MODEL = "purchase-propensity-frozen";

    @Option(names = "--hours", description = "Shop hours of live traffic (default: ${DEFAULT-VALUE}).")
    double hours = 24;

    @Option(names = "--drift", description = "Scripted drift, offsets from the start of live traffic, e.g. "
            + "winback_campaign@4h (default: none, a stationary run).")
    String drift;

    @Option(names = "--bad-challenger-at", paramLabel = "DURATION", description = "Register a model trained on inverted "
            + "labels as challenger at this offset of live traffic, e.g. 2h: the canary must roll it back.")
    String badChallengerAt;

    @Option(names = "--speed", description = "Shop seconds per wall second during live traffic (default: ${DEFAULT-VALUE}: "
            + "an hour of shop time in 6 s).")
    double speed = 300;

    @Option(names = "--canary-share", description = "A retrained challenger's share of shoppers (default: ${DEFAULT-VALUE}).")
    double canaryShare = 0.3;

    @Option(names = "--post-drift-span", description = "After drift is found, the monitor waits until this much shop time "
            + "since it began and retrains on it (default: ${DEFAULT-VALUE}).")
    String postDriftSpan = "4h";

    @Option(names = "--window", description = "The monitor's window (default: ${DEFAULT-VALUE}).")
    String window = "10min";

    @Option(names = "--seed", description = "Simulator and training seed (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--history-days", description = "Days of shop history before the first model's training days "
            + "(default: ${DEFAULT-VALUE}).")
    int historyDays = 22;

    @Option(names = "--training-days", description = "Days of history the first model trains on (default: ${DEFAULT-VALUE}).")
    int trainingDays = 3;

    @Option(names = "--out", description = "Where the report goes (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("run", "loop-report");

    @Option(names = "--parallelism", description = "Flink job parallelism (default: ${DEFAULT-VALUE}).")
    int parallelism = 2;

    @Option(names = "--ui-port", description = "Flink web UI port; the next free one is taken if busy (default: ${DEFAULT-VALUE}).")
    int uiPort = 8081;

    @Option(names = "--registry-port", description = "Model registry port; any free one is taken if busy (default: ${DEFAULT-VALUE}).")
    int registryPort = 8095;

    @Option(names = "--metrics-port", description = "Port of Flink's Prometheus reporter (the jobs' metrics); the next free "
            + "one is taken if busy, 0: any (default: ${DEFAULT-VALUE}).")
    int metricsPort = LocalStack.FLINK_METRICS_PORT;

    @Option(names = "--worker-metrics-port", description = "Port of the trainer worker's Prometheus metrics; the next free "
            + "one is taken if busy, 0: any (default: ${DEFAULT-VALUE}).")
    int workerMetricsPort = 9400;

    @Option(names = "--controller-metrics-port", description = "Port of the release controller's Prometheus metrics; the "
            + "next free one is taken if busy, 0: any (default: ${DEFAULT-VALUE}).")
    int controllerMetricsPort = 9401;

    private static final String LATE_DECISIONS = "late_decisions";
    private static final String LATE_OUTCOMES = "late_outcomes";

    /** Where the run's registry keeps its versions; emptied at start. */
    static final Path REGISTRY_STORE = Path.of("run", "loop-registry");
    private static final Duration START_DEADLINE = Duration.ofMinutes(3);
    /** How long the end of the run may wait for the monitor's report of its last window. */
    private static final Duration REPORT_DEADLINE = Duration.ofMinutes(5);

    /**
     * What a finished run found: the figures of its last line, and who serves at the end.
     *
     * @param servingAtEnd the loop model's serving configuration when live traffic had ended
     */
    record Outcome(int changes, int changeRequests, int promotions, int rollbacks, ServingConfig servingAtEnd,
            LoopReport.Summary summary, Path page) {
    }

    /** Where the run's parts serve their Prometheus metrics ({@code /metrics} of each). */
    record MetricsEndpoints(URI flink, URI registry, URI worker, URI releaseController) {
        List<URI> all() {
            return List.of(flink, registry, worker, releaseController);
        }
    }

    /** Told when every part serves and when live traffic has ended, while the stack still runs: a scraper. */
    interface MetricsWatcher {
        void serving(MetricsEndpoints endpoints) throws Exception;

        void trafficEnded(MetricsEndpoints endpoints) throws Exception;
    }

    private Outcome outcome;
    private MetricsWatcher watcher;
    private final PrintStream console = System.out;
    /** Event time of the last record sent: the shop's clock. */
    private final AtomicLong shopTime = new AtomicLong();
    private ShopClock clock;
    /** The event the history's end held back: the first of live traffic. */
    private SimulatedEvent carried;
    private LoopTimeline timeline;
    private final long wallStart = System.nanoTime();
    private volatile boolean stopRequested;

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.err, true)));
    }

    static int execute(String[] args, PrintWriter err) {
        return execute(new FlywheelLoop(), args, err);
    }

    /** Runs {@code loop} with {@code args}; its {@link #outcome()} then holds what the run found. */
    static int execute(FlywheelLoop loop, String[] args, PrintWriter err) {
        return LocalCommands.execute(loop, "run-loop", args, err);
    }

    /** Lets a test scrape the run's metrics while it runs. */
    FlywheelLoop watchedBy(MetricsWatcher watcher) {
        this.watcher = watcher;
        return this;
    }

    /** What the run found; null until a run has finished. */
    Outcome outcome() {
        return outcome;
    }

    @Override
    public Integer call() throws Exception {
        List<DriftScenario> scenarios = validate();
        clock = new ShopClock(speed);
        SimulatorConfig shop = ShopHistory.shop(seed);
        Duration burnIn = Duration.ofDays(historyDays);
        Duration training = Duration.ofDays(trainingDays);
        say("simulating %d days of shop history (1,000 shoppers, 250 items) and training the first model on the last %d...",
                historyDays + trainingDays, trainingDays);
        ShopHistory history = ShopHistory.build(shop, burnIn, training, LOOP_MODEL, badChallengerAt != null, this::say);
        say("first model: holdout AUC %.3f on %,d examples (%,d history events, %.0f s)",
                history.model().evaluation().auc(), history.model().split().holdout().size(), history.events(),
                history.seconds());

        Duration historySpan = burnIn.plus(training);
        List<DriftScenario> shifted = scenarios.stream()
                .map(d -> new DriftScenario(d.kind(), d.start().plus(historySpan), d.length(), d.magnitude())).toList();
        long shiftAt = scenarios.isEmpty() ? Long.MAX_VALUE : history.liveFrom() + scenarios.get(0).start().toMillis();
        long liveUntil = history.liveFrom() + (long) (hours * 3_600_000L);

        // Ctrl-C lets the run stop what it started: the hook waits until it has.
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stopRequested = true;
            try {
                finished.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "flywheel-loop-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        LocalStack.deleteRecursively(REGISTRY_STORE);
        Files.createDirectories(REGISTRY_STORE);
        say("starting Kafka (KRaft), a Flink MiniCluster, the model registry and a Pulsar broker...");
        timeline = new LoopTimeline(history.liveFrom());
        if (shiftAt != Long.MAX_VALUE) {
            timeline.milestone(shiftAt, LoopTimeline.Kind.DRIFT_INJECTED, scenarios.get(0).kind().wireName() + " injected");
        }
        try (LocalStack stack = LocalStack.start(uiPort, Math.max(6, parallelism * 3), 4, REGISTRY_STORE, registryPort,
                metricsPort);
                PulsarProcess pulsar = PulsarProcess.start()) {
            say("Kafka %s | Flink web UI %s | registry %s | Pulsar %s", stack.kafkaBootstrap(), stack.flinkWebUi(),
                    stack.registryUrl(), pulsar.serviceUrl());
            RegistryClient editor = new RegistryClient(URI.create(stack.registryUrl()), Credentials.LOCAL_EDITOR);
            List<JobClient> jobs = submitJobs(stack, pulsar.serviceUrl());
            JobMetrics scoring = new JobMetrics(stack.flinkWebUi(), jobs.get(0).getJobID().toHexString(),
                    List.of(LocalJobs.UNSCORED, LocalJobs.DECISIONS_LATE, LocalJobs.ACTIVITY_LATE));
            JobMetrics monitor = new JobMetrics(stack.flinkWebUi(), jobs.get(1).getJobID().toHexString(),
                    List.of(LATE_DECISIONS, LATE_OUTCOMES));
            TrainerMetrics workerMetrics = new TrainerMetrics();
            // The first model is the trainer's first run; the worker's retrains follow it in the same metrics.
            workerMetrics.runSucceeded(history.seconds(), history.model().evaluation());
            try (RetrainWorker worker = startWorker(stack, editor, pulsar.serviceUrl(), workerMetrics);
                    HardenedHttpServer workerMetricsServer = workerMetrics.serve(LocalStack.freePort(workerMetricsPort));
                    ReleaseController controller = ReleaseController.onKafka(editor, stack.kafkaBootstrap(),
                            decision -> say("release controller: %s %s v%d (%s)", decision.action().name().toLowerCase(),
                                    decision.model(), decision.challenger(), decision.reason())).start();
                    HardenedHttpServer controllerMetricsServer = controller.metrics().serve(
                            LocalStack.freePort(controllerMetricsPort));
                    HealthTail health = new HealthTail(stack.kafkaBootstrap(), Topics.MODEL_HEALTH, LOOP_MODEL,
                            FROZEN_MODEL, timeline, shiftAt)) {
                MetricsEndpoints endpoints = new MetricsEndpoints(stack.flinkMetrics(),
                        URI.create(stack.registryUrl() + "/metrics"), metricsUri(workerMetricsServer),
                        metricsUri(controllerMetricsServer));
                say("Prometheus metrics: Flink jobs %s | registry %s | trainer worker %s | release controller %s",
                        endpoints.flink(), endpoints.registry(), endpoints.worker(), endpoints.releaseController());
                awaitRunning(scoring, monitor);
                if (watcher != null) {
                    watcher.serving(endpoints);
                }
                ShopSimulator simulator = new ShopSimulator(shop.withDrift(shifted));
                if (!replayHistory(stack, simulator, history, scoring)) {
                    return 1;
                }
                // Live analytics over live traffic only: the history is the scoring job's to replay.
                jobs.add(submitAnalytics(stack));
                registerFirstModels(editor, history);
                runLive(stack, simulator, editor, history, health, liveUntil);
                if (watcher != null) {
                    watcher.trafficEnded(endpoints);
                }
                LoopReport.Summary summary = LoopReport.Summary.of(timeline, HealthTail.CHAMPION_SERIES,
                        HealthTail.FROZEN_SERIES);
                Path page = LoopReport.write(out, title(scenarios), timeline, summary);
                Map<String, Long> late = new HashMap<>(monitor.sums());
                late.putAll(scoring.sums());
                summary(summary, health, shiftAt, page, late);
                outcome = new Outcome(health.changeDetections(), health.changeRequests(), health.promotions(),
                        health.rollbacks(), editor.servingConfig(LOOP_MODEL), summary, page);
            } finally {
                for (JobClient job : jobs) {
                    job.cancel().get(30, TimeUnit.SECONDS);
                }
            }
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C
            }
        }
        return 0;
    }

    private List<JobClient> submitJobs(LocalStack stack, String pulsarUrl) throws Exception {
        Map<String, String> common = new HashMap<>(Map.of(
                "bootstrap", stack.kafkaBootstrap(),
                "starting-offsets", "earliest",
                "parallelism", Integer.toString(parallelism),
                // Outcomes and reports are transactional: readers see them at each checkpoint, so
                // checkpoints come often enough for shop time that runs hundreds of times faster.
                "checkpoint-interval", "2s",
                "registry", stack.registryUrl(),
                "registry-token", Credentials.LOCAL_READER,
                "models", LOOP_MODEL + "," + FROZEN_MODEL));
        StreamExecutionEnvironment scoringEnv = stack.flinkEnvironment();
        ScoringJob.onKafka(ScoringConfig.from(JobArgs.of(common))).build(scoringEnv);
        JobClient scoring = stack.submit(scoringEnv, "flywheel-scoring");

        Map<String, String> monitorArgs = new HashMap<>(common);
        monitorArgs.put("window", window);
        monitorArgs.put("retrain-models", LOOP_MODEL);
        monitorArgs.put("post-drift-span", postDriftSpan);
        monitorArgs.put("pulsar", pulsarUrl);
        StreamExecutionEnvironment monitorEnv = stack.flinkEnvironment();
        MonitorJob.onKafka(MonitorConfig.from(JobArgs.of(monitorArgs))).build(monitorEnv);
        JobClient monitor;
        try {
            monitor = stack.submit(monitorEnv, "flywheel-monitor");
        } catch (Exception e) {
            scoring.cancel().get(30, TimeUnit.SECONDS);
            throw e;
        }
        say("jobs: flywheel-scoring %s (models %s, %s), flywheel-monitor %s (retrains %s only)", scoring.getJobID(),
                LOOP_MODEL, FROZEN_MODEL, monitor.getJobID(), LOOP_MODEL);
        return new ArrayList<>(List.of(scoring, monitor));
    }

    /** The analytics job from the end of the topic on: minutes, dead letters and late events of live traffic. */
    private JobClient submitAnalytics(LocalStack stack) throws Exception {
        StreamExecutionEnvironment env = stack.flinkEnvironment();
        AnalyticsJob.onKafka(AnalyticsConfig.from(JobArgs.of(Map.of(
                "bootstrap", stack.kafkaBootstrap(),
                "starting-offsets", "latest",
                "parallelism", Integer.toString(parallelism))))).build(env);
        JobClient analytics = stack.submit(env, "flywheel-analytics");
        say("jobs: flywheel-analytics %s (live traffic only)", analytics.getJobID());
        return analytics;
    }

    private static URI metricsUri(HardenedHttpServer server) {
        return URI.create("http://127.0.0.1:" + server.port() + "/metrics");
    }

    private RetrainWorker startWorker(LocalStack stack, RegistryClient editor, String pulsarUrl, TrainerMetrics metrics)
            throws Exception {
        ChallengerGate gate = new ChallengerGate(0.01, 500, 50);
        ChallengerTraining.Settings training = new ChallengerTraining.Settings(stack.kafkaBootstrap(), Topics.OUTCOMES,
                Duration.ofSeconds(30), 0.3, TrainingOptions.defaults(seed), 1_000, gate, canaryShare);
        RetrainWorker.Settings queue = new RetrainWorker.Settings(pulsarUrl, RetrainRequest.TOPIC,
                RetrainWorker.Settings.DEFAULT_SUBSCRIPTION, 5, Duration.ofSeconds(2), Duration.ofSeconds(20), null,
                "loop-worker");
        ChallengerTraining trainer = new ChallengerTraining(training, editor, metrics,
                line -> say("worker: %s", line));
        return RetrainWorker.start(queue, request -> {
            clock.hold();
            try {
                RetrainOutcome done = trainer.handle(request);
                if (done.kind() == RetrainOutcome.Kind.TRAINED) {
                    timeline.milestone(shopTime.get(), LoopTimeline.Kind.REGISTERED,
                            "v" + done.version() + " registered as challenger");
                }
                return done;
            } finally {
                clock.release();
            }
        }, metrics, line -> say("worker: %s", line));
    }


    private void awaitRunning(JobMetrics... jobs) throws InterruptedException {
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (!stopRequested) {
            boolean all = true;
            for (JobMetrics job : jobs) {
                all &= job.running();
            }
            if (all) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the jobs did not start within " + START_DEADLINE.toMinutes()
                        + " min; see run/flywheel-local.log");
            }
            Thread.sleep(200);
        }
    }

    /**
     * Sends the shop's history as fast as the scoring job takes it, before any model serves: the
     * job builds every shopper's and item's features, as a job that had run for weeks would have.
     * Returns false if stopped.
     */
    private boolean replayHistory(LocalStack stack, ShopSimulator simulator, ShopHistory history, JobMetrics scoring)
            throws Exception {
        say("replaying %,d events of history into the scoring job (no model serves yet)...", history.events());
        long started = System.nanoTime();
        try (ClickstreamProducer producer = new ClickstreamProducer(
                new KafkaRecordSink(stack.kafkaBootstrap(), Topics.CLICKSTREAM))) {
            producer.produce(until(simulator, history.liveFrom()), Pacing.unlimited(), null, progress -> { });
        }
        // Every event leaves one "unscored" per model while no model serves.
        long expected = 2 * history.events();
        long lastPrinted = 0;
        while (!stopRequested) {
            long taken = scoring.sums().getOrDefault(LocalJobs.UNSCORED, 0L);
            if (taken >= expected) {
                say("history replayed: %,d events in %.0f s", history.events(), (System.nanoTime() - started) / 1e9);
                return true;
            }
            if (System.nanoTime() - lastPrinted > 5_000_000_000L) {
                say("history: the scoring job has taken %,d of %,d events", taken / 2, history.events());
                lastPrinted = System.nanoTime();
            }
            Thread.sleep(500);
        }
        return false;
    }

    private void registerFirstModels(RegistryClient editor, ShopHistory history) {
        int loop = register(editor, history.model().descriptor(), history.model().onnx());
        int frozen = register(editor, history.model().descriptor().withName(FROZEN_MODEL), history.model().onnx());
        // The scoring job loads them as the next events arrive; the first few may go unscored.
        say("registered %s v%d (the loop's model) and %s v%d (the same model, never retrained)", LOOP_MODEL, loop,
                FROZEN_MODEL, frozen);
    }

    private static int register(RegistryClient editor, ModelDescriptor descriptor, byte[] onnx) {
        ModelVersion version = editor.register(descriptor, onnx);
        if (version.status() != ModelStatus.READY) {
            throw new IllegalStateException("the registry did not accept " + descriptor.name() + ": " + version.status()
                    + " " + version.reason() + " " + version.detail());
        }
        return version.version();
    }

    private void runLive(LocalStack stack, ShopSimulator simulator, RegistryClient editor, ShopHistory history,
            HealthTail health, long liveUntil) throws Exception {
        long badAt = badChallengerAt == null ? Long.MAX_VALUE
                : history.liveFrom() + DriftScenario.parseDuration(badChallengerAt).toMillis();
        // The monitor reports a window an attribution window (and a minute) after it ends: traffic
        // goes on that long past the end, so the last windows of the run are reported too.
        long sendUntil = liveUntil + Duration.ofMinutes(45).toMillis();
        ShopClock pace = clock;
        say("live traffic: %.0f shop hours at %.0fx (an hour every %.1f s; shop time stands still while a model trains"
                + " or registers); stop with Ctrl-C", hours, speed, 3600 / speed);
        Thread producer = new Thread(() -> {
            try (ClickstreamProducer kafka = new ClickstreamProducer(
                    new KafkaRecordSink(stack.kafkaBootstrap(), Topics.CLICKSTREAM))) {
                kafka.produce(until(simulator, sendUntil), pace, null, p -> { });
            }
        }, "flywheel-loop-traffic");
        producer.setDaemon(true);
        producer.start();
        boolean badRegistered = false;
        long lastLine = 0;
        while (!stopRequested && producer.isAlive()) {
            health.poll(Duration.ofMillis(200));
            long now = shopTime.get();
            if (!badRegistered && now >= badAt) {
                registerBadChallenger(editor, history);
                badRegistered = true;
            }
            if (System.nanoTime() - lastLine >= 1_000_000_000L) {
                lastLine = System.nanoTime();
                say("%s | %s | %s | flagged windows: drift %d, quality %d; changes %d | retrains %d | promotions %d,"
                                + " rollbacks %d", shopClock(now - history.liveFrom()), serving(editor), health.aucs(),
                        health.driftedWindows(), health.worseWindows(), health.changeDetections(),
                        health.retrainRequests(), health.promotions(), health.rollbacks());
            }
        }
        boolean interrupted = stopRequested;
        stopRequested = true;
        producer.join(10_000);
        long deadline = System.nanoTime() + REPORT_DEADLINE.toNanos();
        while (!interrupted && health.latestWindowEnd() < liveUntil) {
            if (System.nanoTime() > deadline) {
                say("the monitor did not report the run's last window within %d min; the report ends at %s",
                        REPORT_DEADLINE.toMinutes(), shopClock(health.latestWindowEnd() - history.liveFrom()));
                break;
            }
            health.poll(Duration.ofMillis(500));
        }
        // Release decisions follow the reports that prompt them.
        health.poll(Duration.ofSeconds(3));
    }

    private void registerBadChallenger(RegistryClient editor, ShopHistory history) {
        TrainingRun.Result broken = history.broken();
        int version;
        clock.hold();
        try {
            version = register(editor, broken.descriptor(), broken.onnx());
            ServingConfig config = editor.servingConfig(LOOP_MODEL);
            int champion = config.variant(ServingVariant.CHAMPION).map(ServingVariant::version).orElseThrow();
            editor.setAliases(LOOP_MODEL, new AliasUpdate(champion, version, 0, canaryShare, 0));
        } finally {
            clock.release();
        }
        timeline.milestone(shopTime.get(), LoopTimeline.Kind.REGISTERED, "v" + version + " (inverted labels) registered");
        say("registered v%d, trained on inverted labels, as challenger for %s of shoppers: the canary must catch it",
                version, ServingSplit.percent(canaryShare));
    }

    private String serving(RegistryClient editor) {
        try {
            ServingConfig config = editor.servingConfig(LOOP_MODEL);
            int champion = config.variant(ServingVariant.CHAMPION).map(ServingVariant::version).orElse(0);
            ServingVariant challenger = config.variant(ServingVariant.CHALLENGER).orElse(null);
            if (challenger == null || challenger.trafficShare() == 0) {
                return "v" + champion + " 100%";
            }
            return "v" + champion + " " + ServingSplit.percent(1 - challenger.trafficShare()) + " / v"
                    + challenger.version() + " " + ServingSplit.percent(challenger.trafficShare());
        } catch (RuntimeException e) {
            return "registry: " + e.getMessage();
        }
    }

    private static String shopClock(long millis) {
        long minutes = Math.max(0, millis) / 60_000;
        return String.format("shop %2dh%02dm", minutes / 60, minutes % 60);
    }

    /** The simulator's records up to (not including) event time {@code end}; the simulator carries on from there. */
    private Iterator<KeyedRecord> until(ShopSimulator simulator, long end) {
        EventCodec codec = new EventCodec();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                if (stopRequested) {
                    return false;
                }
                if (carried == null && simulator.hasNext()) {
                    carried = simulator.next();
                }
                return carried != null && carried.event().ts() < end;
            }

            @Override
            public KeyedRecord next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                SimulatedEvent event = carried;
                carried = null;
                shopTime.set(event.event().ts());
                return new KeyedRecord(event.event().userId(), codec.encode(event.event()), event.event().ts(), false);
            }
        };
    }

    private void summary(LoopReport.Summary summary, HealthTail health, long shiftAt, Path page,
            Map<String, Long> lateCounts) {
        say("done in %.0f s: %d changes found (%d windows drifted, %d of worse quality), %d retrain"
                        + " requests (%d for a change), %d promotions, %d rollbacks", (System.nanoTime() - wallStart) / 1e9,
                health.changeDetections(), health.driftedWindows(), health.worseWindows(), health.retrainRequests(),
                health.changeRequests(), health.promotions(), health.rollbacks());
        if (shiftAt != Long.MAX_VALUE) {
            say("change found after %,d labelled outcomes of the loop's model; AUC before drift %.3f, lowest hour after %.3f,"
                            + " after recovery %.3f (%.0f%% of before), frozen model %.3f; drift to promotion %s",
                    health.labelledAtDetection(), summary.aucBeforeDrift(), summary.lowestAfterDrift(),
                    summary.aucAfterRecovery(), 100 * summary.aucAfterRecovery() / summary.aucBeforeDrift(),
                    summary.frozenAfterRecovery(), summary.driftToPromotionMs() < 0 ? "none"
                            : shopClock(summary.driftToPromotionMs()).replace("shop ", "") + " of shop time");
        }
        // Records that arrived after their window had closed are left out of the figures.
        say("late: %,d decisions and %,d outcomes at the monitor; %,d decisions and %,d purchases/returns at the"
                        + " scoring job's outcomes; %,d windows of the loop's champion reported",
                lateCounts.getOrDefault(LATE_DECISIONS, 0L), lateCounts.getOrDefault(LATE_OUTCOMES, 0L),
                lateCounts.getOrDefault(LocalJobs.DECISIONS_LATE, 0L),
                lateCounts.getOrDefault(LocalJobs.ACTIVITY_LATE, 0L), health.championWindows());
        say("report: %s", page.toAbsolutePath());
    }

    private static String title(List<DriftScenario> scenarios) {
        return scenarios.isEmpty() ? "Flywheel loop: a stationary shop"
                : "Flywheel loop: " + scenarios.get(0).kind().wireName() + " at " + scenarios.get(0).start().toHours() + "h";
    }

    private void say(String format, Object... args) {
        say(String.format(format, args));
    }

    private void say(String line) {
        console.printf("[%5.0fs] %s%n", (System.nanoTime() - wallStart) / 1e9, line);
    }

    private List<DriftScenario> validate() {
        List<String> problems = new ArrayList<>();
        List<DriftScenario> scenarios = List.of();
        if (!(hours > 1)) {
            problems.add("--hours must be more than 1");
        }
        if (!(speed > 0)) {
            problems.add("--speed must be positive");
        }
        if (!(canaryShare > 0 && canaryShare < 1)) {
            problems.add("--canary-share must be between 0 and 1 (exclusive)");
        }
        if (historyDays < 1 || trainingDays < 1) {
            problems.add("--history-days and --training-days must be at least 1");
        }
        if (parallelism < 1) {
            problems.add("--parallelism must be at least 1");
        }
        if (drift != null) {
            try {
                scenarios = DriftScenario.parseList(drift);
            } catch (IllegalArgumentException e) {
                problems.add("--drift: " + e.getMessage());
            }
        }
        for (String[] duration : new String[][] {{"--bad-challenger-at", badChallengerAt},
                {"--post-drift-span", postDriftSpan}, {"--window", window}}) {
            if (duration[1] != null) {
                try {
                    DriftScenario.parseDuration(duration[1].replace("min", "m"));
                } catch (IllegalArgumentException e) {
                    problems.add(duration[0] + " must be a duration like 2h or 30m, was '" + duration[1] + "'");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new CommandLine.ParameterException(new CommandLine(this), problems.get(0));
        }
        return scenarios;
    }
}
