package dev.flywheel.jobs.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.decisions.Decision;
import dev.flywheel.decisions.DecisionJson;
import dev.flywheel.embedded.EmbeddedKafkaExtension;
import dev.flywheel.events.Topics;
import dev.flywheel.health.ModelHealthJson;
import dev.flywheel.health.ModelHealthReport;
import dev.flywheel.health.ModelHealthReport.Verdict;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.monitor.MatureShop.Row;
import dev.flywheel.jobs.serving.TestModels;
import dev.flywheel.jobs.testing.CollectingReporter;
import dev.flywheel.outcomes.Outcome;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.retrain.RetrainRequest;
import dev.flywheel.retrain.RetrainRequestJson;
import dev.flywheel.simulator.KafkaRecordSink;
import dev.flywheel.trainer.TrainingRun;
import dev.flywheel.trainer.evaluation.BinaryMetrics;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The monitor job end to end: a real Kafka broker, a real model registry publishing to
 * {@code model-updates}, models the trainer trained, the job's own connectors at parallelism 2 in
 * a MiniCluster. The decisions and outcomes topics are written as the scoring job writes them
 * (the same JSON, keyed by user, decisions at-least-once with some twice, outcomes after their
 * attribution window), from the mature shop's events, vectors and labels, scored by the models
 * in ONNX Runtime.
 *
 * <ul>
 *   <li>{@code purchase-propensity}: one version, four and a half hours of stationary traffic, then
 *       the simulator's preference shift: no request before the shift, exactly one after;</li>
 *   <li>{@code propensity-ab}: the same stationary hours, 30% of users on a challenger trained on a
 *       young shop: a verdict, and only once each arm has its minimum of outcomes.</li>
 * </ul>
 */
class MonitorKafkaTest {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(CollectingReporter.install(new Configuration()))
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    private static final String DRIFTING = "purchase-propensity";
    private static final String AB = "propensity-ab";
    private static final int PARTITIONS = 4;
    private static final Duration WINDOW = Duration.ofMinutes(20);
    private static final long WINDOW_MS = WINDOW.toMillis();
    private static final long ATTRIBUTION_MS = 1_800_000;
    private static final double SHARE = 0.3;
    private static final int MIN_LABELLED = 1_000;
    private static final Duration DEADLINE = Duration.ofMinutes(4);

    @Test
    void stationaryTrafficAsksForNothingAShiftForOneRetrainAndTheChallengerWaitsForEvidence() throws Exception {
        MatureShop shop = MatureShop.get();
        long stationaryFrom = windowStart(shop.shiftAt) - 14 * WINDOW_MS;
        long driftedUntil = windowStart(shop.shiftAt) + 9 * WINDOW_MS;
        List<Row> stationary = shop.stationary.stream().filter(r -> r.event().ts() >= stationaryFrom).toList();
        List<Row> drifted = shop.drifted.stream().filter(r -> r.event().ts() < driftedUntil).toList();

        for (String topic : List.of("decisions", "outcomes", "model-health", "retrain-requests")) {
            KAFKA.kafka().createTopic(topic, PARTITIONS);
        }
        KAFKA.kafka().createTopic(Topics.MODEL_UPDATES, 1, Map.of("cleanup.policy", "compact"));
        try (RegistryService registry = RegistryService.start(RegistryService.Config
                .local(Files.createTempDirectory("flywheel-registry")).withKafka(KAFKA.kafka().bootstrapServers()));
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        KafkaRecordSink.producerProperties(KAFKA.kafka().bootstrapServers()), new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            RegistryClient editor = new RegistryClient(URI.create(registry.url()), "local-editor-token");
            TrainingRun.Result young = TestModels.trainedLogistic(1);
            int driftingVersion = editor.register(shop.model.descriptor().withName(DRIFTING), shop.model.onnx()).version();
            int champion = editor.register(shop.model.descriptor().withName(AB), shop.model.onnx()).version();
            int challenger = editor.register(young.descriptor().withName(AB), young.onnx()).version();
            editor.setAliases(AB, new AliasUpdate(champion, challenger, 0, SHARE, 0));

            // What the scoring job would have written.
            List<Decision> decisions = new ArrayList<>();
            Map<String, Boolean> labels = new HashMap<>();
            List<Row> drifting = new ArrayList<>(stationary);
            drifting.addAll(drifted);
            for (Row row : drifting) {
                decisions.add(MonitorHarness.decision(row, DRIFTING, driftingVersion, "champion"));
            }
            double[] youngScores = MatureShop.score(young.onnx(), young.descriptor(),
                    stationary.stream().map(Row::features).toList());
            decisions.addAll(MonitorHarness.splitDecisions(stationary, AB, champion, challenger, youngScores, SHARE));
            drifting.forEach(r -> labels.put(r.event().eventId(), r.purchased()));
            decisions.sort(Comparator.comparingLong(Decision::eventTime).thenComparing(Decision::decisionId));

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration());
            MonitorJob.onKafka(MonitorConfig.from(JobArgs.of(jobArgs(registry)))).build(env);
            JobClient job = env.executeAsync("monitor");
            // Both stages on both subtasks hold all three versions' references before traffic starts,
            // as a running monitor does: model-updates is read long before the decisions it governs.
            await("the versions' references", () -> CollectingReporter.counterSum("version_references") >= 2 * 2 * 3);

            int duplicates = produce(producer, decisions, labels);
            produceClosingMarkers(producer, driftedUntil + 3 * 3_600_000, driftingVersion);

            Map<String, ModelHealthReport> reports = new LinkedHashMap<>();
            List<RetrainRequest> requests = new ArrayList<>();
            int expectedReports = 23 + 2 * 14;
            await("every window's report", () -> {
                readReports(reports);
                return reports.values().stream().filter(r -> r.version() < 99).count() >= expectedReports;
            });
            for (ConsumerRecord<byte[], byte[]> record : KAFKA.kafka().readAll("retrain-requests", Duration.ofSeconds(5))) {
                requests.add(RetrainRequestJson.decode(record.value()));
            }
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            // Metrics go with the job: read them first.
            long dropped = CollectingReporter.counterSum("duplicate_decisions");
            long late = CollectingReporter.counterSum("late_decisions") + CollectingReporter.counterSum("late_outcomes");
            long requested = CollectingReporter.counterSum("flywheel.model." + DRIFTING + ".retrain_requests");
            List<String> gauges = CollectingReporter.identifiers("flywheel.model." + DRIFTING + ".version."
                    + driftingVersion + ".live_auc");
            job.cancel().get();

            assertThat(dropped).as("duplicate decisions dropped").isEqualTo(duplicates);
            assertThat(late).isZero();
            assertThat(gauges).isNotEmpty();
            List<ModelHealthReport> driftReports = select(reports, DRIFTING, driftingVersion);
            checkDrifting(driftReports, requests, drifting, shop.shiftAt, duplicates);
            assertThat(requested).isEqualTo(1);
            checkComparison(reports, champion, challenger);
            assertThat(requests).noneMatch(r -> r.model().equals(AB));
        }
    }

    private static void checkDrifting(List<ModelHealthReport> reports, List<RetrainRequest> requests, List<Row> rows,
            long shiftAt, int duplicates) {
        assertThat(reports).hasSize(23);
        Map<Long, List<Row>> windows = new TreeMap<>();
        rows.forEach(r -> windows.computeIfAbsent(windowStart(r.event().ts()), w -> new ArrayList<>()).add(r));
        for (ModelHealthReport report : reports) {
            List<Row> window = windows.get(report.windowStart());
            // Each decision counted once, though some were written twice.
            assertThat(report.decisions()).as("decisions of %s", report.windowStart()).isEqualTo(window.size());
            assertThat(report.quality().labelled()).isEqualTo(window.size());
            double[] scores = window.stream().mapToDouble(Row::score).toArray();
            boolean[] labels = new boolean[window.size()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = window.get(i).purchased();
            }
            assertThat(report.quality().auc()).isCloseTo(BinaryMetrics.auc(scores, labels),
                    org.assertj.core.api.Assertions.within(1e-12));
            assertThat(report.drift().reference()).isTrue();
        }

        List<RetrainRequest> drifting = requests.stream().filter(r -> r.model().equals(DRIFTING)).toList();
        assertThat(drifting).as("retrain requests").hasSize(1);
        RetrainRequest request = drifting.get(0);
        assertThat(request.reason()).isEqualTo(RetrainRequest.Reason.DRIFT);
        assertThat(request.windowEnd()).isGreaterThan(shiftAt).isLessThanOrEqualTo(shiftAt + 3 * WINDOW_MS);
        assertThat(request.idempotencyKey()).isEqualTo(RetrainRequest.keyOf(DRIFTING, request.windowStart(),
                request.windowEnd()));
        ModelHealthReport triggering = reports.stream().filter(r -> r.windowEnd() == request.windowEnd())
                .findFirst().orElseThrow();
        assertThat(triggering.retrain().idempotencyKey()).isEqualTo(request.idempotencyKey());
        assertThat(triggering.drift().driftedFeatures()).contains("category_affinity");
        System.out.println("the triggering window's report: "
                + new String(ModelHealthJson.encode(triggering), StandardCharsets.UTF_8));
        long stationaryFlags = reports.stream().filter(r -> r.windowEnd() <= shiftAt && r.drift().drifted()).count();
        long driftedFlags = reports.stream().filter(r -> r.windowStart() >= shiftAt && r.drift().drifted()).count();
        System.out.printf("monitor: %d stationary windows, %d drifted; drift flags %d before the shift, %d after;"
                        + " one request, %s, ending %d min after the shift; %d duplicate decisions dropped%n",
                reports.stream().filter(r -> r.windowEnd() <= shiftAt).count(),
                reports.stream().filter(r -> r.windowStart() >= shiftAt).count(), stationaryFlags, driftedFlags,
                request.idempotencyKey(), (request.windowEnd() - shiftAt) / 60_000, duplicates);
    }

    private static void checkComparison(Map<String, ModelHealthReport> reports, int champion, int challenger) {
        List<ModelHealthReport> championReports = select(reports, AB, champion);
        assertThat(championReports).hasSize(14);
        assertThat(select(reports, AB, challenger)).hasSize(14).allMatch(r -> r.role().equals("challenger"));
        ModelHealthReport firstVerdict = null;
        for (ModelHealthReport report : championReports) {
            ModelHealthReport.Comparison comparison = report.comparison();
            assertThat(comparison.champion()).isEqualTo(champion);
            assertThat(comparison.challenger()).isEqualTo(challenger);
            if (comparison.championLabelled() < MIN_LABELLED || comparison.challengerLabelled() < MIN_LABELLED) {
                assertThat(comparison.verdict()).isEqualTo(Verdict.NO_VERDICT);
            }
            if (firstVerdict == null && comparison.verdict() != Verdict.NO_VERDICT) {
                firstVerdict = report;
            }
        }
        assertThat(firstVerdict).as("a verdict within the stationary hours").isNotNull();
        assertThat(championReports.get(0).comparison().verdict()).isEqualTo(Verdict.NO_VERDICT);
        assertThat(firstVerdict.comparison().verdict()).isEqualTo(Verdict.CHALLENGER_WORSE);
        assertThat(championReports.get(championReports.size() - 1).comparison().verdict())
                .isEqualTo(Verdict.CHALLENGER_WORSE);
        System.out.printf("comparison: no verdict for %d windows (challenger %,d outcomes when it came), then %s:"
                        + " log loss %.4f vs %.4f, always-valid p %.2g%n", championReports.indexOf(firstVerdict),
                firstVerdict.comparison().challengerLabelled(), firstVerdict.comparison().verdict(),
                firstVerdict.comparison().challengerLogLoss(), firstVerdict.comparison().championLogLoss(),
                firstVerdict.comparison().pValue());
    }

    /**
     * Decisions in event-time order, one in 25 written a second time a few records later (an
     * at-least-once retry); then the outcomes in the order the scoring job releases them, when their
     * attribution window closes. Returns the duplicates written.
     */
    private static int produce(KafkaProducer<byte[], byte[]> producer, List<Decision> decisions,
            Map<String, Boolean> drifting) {
        DecisionJson json = new DecisionJson();
        List<Decision> again = new ArrayList<>();
        int duplicates = 0;
        for (int i = 0; i < decisions.size(); i++) {
            Decision decision = decisions.get(i);
            send(producer, "decisions", decision.userId(), json.encode(decision));
            if (i % 25 == 0) {
                again.add(decision);
            }
            if (i % 25 == 10 && !again.isEmpty()) {
                Decision repeated = again.remove(0);
                send(producer, "decisions", repeated.userId(), json.encode(repeated));
                duplicates++;
            }
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Decision decision : decisions) {
            outcomes.add(MonitorHarness.outcome(decision, drifting.get(decision.eventId())));
        }
        outcomes.sort(Comparator.comparingLong((Outcome o) -> o.decision().eventTime()).thenComparing(Outcome::decisionId));
        for (Outcome outcome : outcomes) {
            send(producer, "outcomes", outcome.decision().userId(), json.encode(outcome));
        }
        producer.flush();
        return duplicates;
    }

    /**
     * A shadow decision and its outcome hours after the traffic, by one user per partition, from a
     * version of its own: every partition's watermark passes the last window, as later traffic would
     * move it. Its own report (version 99) is not looked at.
     */
    private static void produceClosingMarkers(KafkaProducer<byte[], byte[]> producer, long at, int version) {
        DecisionJson json = new DecisionJson();
        boolean[] covered = new boolean[PARTITIONS];
        for (int u = 0, found = 0; found < PARTITIONS; u++) {
            String user = "marker-" + u;
            int partition = org.apache.kafka.common.utils.Utils.toPositive(
                    org.apache.kafka.common.utils.Utils.murmur2(user.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
            if (covered[partition]) {
                continue;
            }
            covered[partition] = true;
            found++;
            for (String model : List.of(DRIFTING, AB)) {
                Decision marker = new Decision(Decision.idOf("marker-" + u, model, 99), "marker-" + u,
                        dev.flywheel.events.EventType.VIEW, user, "marker", "marker-item", model, 99, "shadow", 0.5,
                        dev.flywheel.features.FeatureSpec.current().version(), new double[0], at, at);
                send(producer, "decisions", user, json.encode(marker));
                send(producer, "outcomes", user, json.encode(MonitorHarness.outcome(marker, false)));
            }
        }
        producer.flush();
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
    }

    private static void readReports(Map<String, ModelHealthReport> reports) {
        for (ConsumerRecord<byte[], byte[]> record : KAFKA.kafka().readAll("model-health", Duration.ofSeconds(2))) {
            ModelHealthReport report = ModelHealthJson.decode(record.value());
            reports.put(report.model() + "/" + report.version() + "/" + report.windowStart(), report);
        }
    }

    private static List<ModelHealthReport> select(Map<String, ModelHealthReport> reports, String model, int version) {
        return reports.values().stream().filter(r -> r.model().equals(model) && r.version() == version)
                .sorted(Comparator.comparingLong(ModelHealthReport::windowStart)).toList();
    }

    private static Map<String, String> jobArgs(RegistryService registry) {
        Map<String, String> args = new HashMap<>();
        args.put("bootstrap", KAFKA.kafka().bootstrapServers());
        args.put("group-id", "monitor-test");
        args.put("starting-offsets", "earliest");
        args.put("parallelism", "2");
        args.put("checkpoint-interval", "2s");
        // The stream pauses between phases of the test; partitions must not be declared idle meanwhile.
        args.put("idleness", "10min");
        args.put("models", DRIFTING + "," + AB);
        args.put("registry", registry.url());
        args.put("registry-token", "local-reader-token");
        args.put("window", "20min");
        args.put("verdict-min-labelled", Integer.toString(MIN_LABELLED));
        return args;
    }

    private static Configuration configuration() {
        Configuration configuration = new Configuration();
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return configuration;
    }

    private static long windowStart(long time) {
        return Math.floorDiv(time, WINDOW_MS) * WINDOW_MS;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + DEADLINE.toSeconds() + " s for " + what + "; metrics: "
                        + CollectingReporter.identifiers("version_references"));
            }
            Thread.sleep(200);
        }
    }
}
