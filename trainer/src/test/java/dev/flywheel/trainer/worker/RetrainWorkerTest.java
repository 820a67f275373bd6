package dev.flywheel.trainer.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.embedded.EmbeddedKafkaExtension;
import dev.flywheel.embedded.pulsar.EmbeddedPulsarExtension;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.api.ModelSummary;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.retrain.RetrainRequest;
import dev.flywheel.retrain.RetrainRequestJson;
import dev.flywheel.trainer.TrainerCli;
import dev.flywheel.trainer.TrainerMetrics;
import dev.flywheel.trainer.TrainingRun;
import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.dataset.OutcomeExamples;
import dev.flywheel.trainer.dataset.TimeSplit;
import dev.flywheel.trainer.evaluation.BinaryMetrics;
import dev.flywheel.trainer.export.OnnxScorer;
import dev.flywheel.trainer.training.TrainingOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.common.policies.data.SubscriptionStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer worker against real parts: a Pulsar standalone broker and a Kafka broker in this JVM,
 * a registry service validating every version in its child JVM, and outcomes written to Kafka the
 * way the scoring job writes them. Each test has its own request topic and its own registry model.
 * Redelivery backoffs are 100 to 400 ms; every wait is on a condition, with a deadline of minutes.
 */
class RetrainWorkerTest {
    private static final String EDITOR_TOKEN = "worker-test-editor-token-0123456789";
    private static final String READER_TOKEN = "worker-test-reader-token-0123456789";
    private static final Duration DEADLINE = Duration.ofMinutes(3);
    private static final int MAX_REDELIVERIES = 2;
    private static final String SUBSCRIPTION = RetrainWorker.Settings.DEFAULT_SUBSCRIPTION;

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @RegisterExtension
    static final EmbeddedPulsarExtension PULSAR = new EmbeddedPulsarExtension();

    @TempDir
    static Path store;

    private static RegistryService registryService;
    private static RegistryClient registry;
    private static OutcomeStream stream;
    private static PulsarClient pulsarClient;

    @BeforeAll
    static void start() {
        registryService = RegistryService.start(RegistryService.Config.local(store)
                .withTokens(EDITOR_TOKEN, READER_TOKEN, true));
        registry = new RegistryClient(URI.create(registryService.url()), EDITOR_TOKEN);
        stream = new OutcomeStream(5);
        pulsarClient = PULSAR.pulsar().newClient();
    }

    @AfterAll
    static void stop() throws Exception {
        if (pulsarClient != null) {
            pulsarClient.close();
        }
        if (registryService != null) {
            registryService.close();
        }
    }

    /**
     * (a) A handler that always fails: Pulsar's DeadLetterPolicy with maxRedeliverCount 2 delivers
     * each request exactly 3 times (redelivery counts 0, 1, 2), and the third failure moves it to
     * the dead-letter topic, once, with its bytes intact. Nothing is left in the subscription, so
     * the delivery counts are final when they are read.
     */
    @Test
    void aFailingRequestIsDeliveredMaxRedeliveriesPlusOneTimesThenDeadLetteredOnce() throws Exception {
        String topic = topic("failing");
        String deadLetters = topic + "-" + SUBSCRIPTION + "-DLQ";
        Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        RetrainHandler failing = request -> {
            deliveries.computeIfAbsent(request.idempotencyKey(), k -> new AtomicInteger()).incrementAndGet();
            throw new IllegalStateException("this trainer always fails");
        };
        List<RetrainRequest> requests = List.of(request("failing", 0), request("failing", 1));
        TrainerMetrics metrics = new TrainerMetrics();
        List<String> log = new CopyOnWriteArrayList<>();
        try (Consumer<byte[]> deadLetterReader = pulsarClient.newConsumer().topic(deadLetters)
                .subscriptionName(RetrainWorker.Settings.DEAD_LETTER_SUBSCRIPTION).subscribe();
             RetrainWorker worker = RetrainWorker.start(queue(topic, "a"), failing, metrics, log::add)) {
            send(topic, requests);

            List<RetrainRequest> deadLettered = new ArrayList<>();
            List<Message<byte[]>> deadLetterMessages = new ArrayList<>();
            await("both requests in the dead-letter topic", () -> {
                Message<byte[]> message = receive(deadLetterReader);
                if (message != null) {
                    deadLetterMessages.add(message);
                    deadLettered.add(RetrainRequestJson.decode(message.getValue()));
                }
                return deadLettered.size() >= requests.size();
            }, () -> deliveries + "; " + log);
            try (PulsarAdmin admin = PULSAR.pulsar().admin()) {
                await("the subscription drained (acknowledged after the dead-lettering)",
                        () -> drained(admin, topic), () -> stats(admin, topic));
                assertThat(admin.topics().getStats(deadLetters).getMsgInCounter())
                        .as("messages ever written to the dead-letter topic").isEqualTo(requests.size());
            }

            int attempts = MAX_REDELIVERIES + 1;
            System.out.printf("failing trainer: deliveries per request %s (max redeliveries %d), dead-lettered %d%n",
                    deliveries, MAX_REDELIVERIES, deadLettered.size());
            for (RetrainRequest request : requests) {
                assertThat(deliveries.get(request.idempotencyKey())).hasValue(attempts);
                assertThat(attemptsLogged(log, request.idempotencyKey())).containsExactly(1, 2, 3);
            }
            assertThat(deadLettered).containsExactlyInAnyOrderElementsOf(requests);
            for (Message<byte[]> message : deadLetterMessages) {
                assertThat(message.getKey()).isEqualTo("failing");
            }
            assertThat(metrics.retrainReceivedCount()).isEqualTo(requests.size() * attempts);
            assertThat(metrics.retrainCount(TrainerMetrics.RETRAIN_FAILED)).isEqualTo(requests.size() * attempts);
            assertThat(metrics.retrainCount(TrainerMetrics.RETRAIN_DEAD_LETTERED)).isEqualTo(requests.size());
        }
    }

    /** (b) The same request sent twice: the first trains and registers, the second finds the key registered and is skipped. */
    @Test
    void aDuplicateRequestTrainsOnce() throws Exception {
        String model = "duplicate";
        String topic = topic(model);
        stream.writeTo(KAFKA.kafka(), outcomesTopic(model), model);
        RetrainRequest request = request(model, 0);
        TrainerMetrics metrics = new TrainerMetrics();
        List<String> log = new CopyOnWriteArrayList<>();
        try (RetrainWorker worker = RetrainWorker.start(queue(topic, "b"), training(model, ChallengerGate.defaults(),
                metrics, log), metrics, log::add)) {
            send(topic, List.of(request, request));
            await("one trained, one duplicate", () -> metrics.retrainCount("trained") + metrics.retrainCount("duplicate") == 2,
                    () -> log);
        }
        assertThat(metrics.retrainCount("trained")).isEqualTo(1);
        assertThat(metrics.retrainCount("duplicate")).isEqualTo(1);
        assertThat(runs(metrics)).as("training runs").isEqualTo(1);
        assertThat(versionsFor(model, request.idempotencyKey())).hasSize(1);
    }

    /**
     * (c) Worker A takes a request and is closed while it holds it, without acknowledging: Pulsar
     * gives the request to worker B, which trains it once. A's handler never gets past holding it.
     */
    @Test
    void aKilledWorkersRequestIsRedeliveredToAnotherWorkerAndTrainedOnce() throws Exception {
        String model = "killed";
        String topic = topic(model);
        stream.writeTo(KAFKA.kafka(), outcomesTopic(model), model);
        RetrainRequest request = request(model, 0);
        CountDownLatch held = new CountDownLatch(1);
        AtomicInteger calledOnA = new AtomicInteger();
        RetrainHandler holding = r -> {
            calledOnA.incrementAndGet();
            held.countDown();
            new CountDownLatch(1).await();
            throw new AssertionError("unreachable: only an interrupt ends the wait");
        };
        TrainerMetrics metricsA = new TrainerMetrics();
        TrainerMetrics metricsB = new TrainerMetrics();
        List<String> logA = new CopyOnWriteArrayList<>();
        List<String> logB = new CopyOnWriteArrayList<>();
        RetrainWorker workerA = RetrainWorker.start(queue(topic, "a"), holding, metricsA, logA::add);
        try {
            send(topic, List.of(request));
            assertThat(held.await(DEADLINE.toSeconds(), TimeUnit.SECONDS)).as("worker A took the request").isTrue();
            try (RetrainWorker workerB = RetrainWorker.start(queue(topic, "b"), training(model, ChallengerGate.defaults(),
                    metricsB, logB), metricsB, logB::add)) {
                workerA.close();
                await("worker B trained the request", () -> metricsB.retrainCount("trained") == 1, () -> logB);
                try (PulsarAdmin admin = PULSAR.pulsar().admin()) {
                    await("the subscription drained", () -> drained(admin, topic), () -> stats(admin, topic));
                }
            }
        } finally {
            workerA.close();
        }
        System.out.printf("killed worker: A took the request %d time(s) and was closed; B: %s%n", calledOnA.get(),
                logB.stream().filter(line -> line.contains("attempt")).toList());
        assertThat(calledOnA.get()).isEqualTo(1);
        assertThat(metricsA.retrainCount("trained") + metricsA.retrainCount(TrainerMetrics.RETRAIN_FAILED)).isZero();
        assertThat(metricsB.retrainReceivedCount()).isEqualTo(1);
        assertThat(runs(metricsB)).isEqualTo(1);
        assertThat(versionsFor(model, request.idempotencyKey())).hasSize(1);
    }

    /**
     * (d) The happy path, through the command a person runs: outcomes on Kafka, a champion that
     * learned nothing (trained on shuffled labels), a request; the worker registers a new version
     * as challenger at a 25% canary beside the champion. The gate's figures are logged and kept in
     * the version's metrics, and they are what the two ONNX models score on the same holdout rows,
     * recomputed here from the topic.
     */
    @Test
    void outcomesBecomeAChallengerAtTheCanaryShareThroughTheWorkerCommand() throws Exception {
        String model = "happy";
        String topic = topic(model);
        stream.writeTo(KAFKA.kafka(), outcomesTopic(model), model);
        TrainingRun.Result champion = TrainingRun.run(stream.examples(7L), new TrainingRun.Settings(model, 0.3,
                TrainingOptions.defaults(42), "test: a champion trained on shuffled labels"), line -> { });
        ModelVersion v1 = registry.register(champion.descriptor(), champion.onnx());
        assertThat(v1.status()).isEqualTo(ModelStatus.READY);
        assertThat(registry.model(model).champion()).isEqualTo(v1.version());

        RetrainRequest request = request(model, 0);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread command = new Thread(() -> exit.set(TrainerCli.execute(new String[] {"worker",
                "--pulsar", PULSAR.pulsar().serviceUrl(), "--bootstrap", KAFKA.kafka().bootstrapServers(),
                "--registry", registryService.url(), "--token", EDITOR_TOKEN, "--topic", topic,
                "--outcomes-topic", outcomesTopic(model), "--canary-share", "0.25", "--max-redeliveries", "2",
                "--backoff-min", "100ms", "--backoff-max", "400ms", "--name", "cli", "--metrics-port", "0"},
                new PrintWriter(out, true), new PrintWriter(err, true))), "worker-command");
        command.start();
        try {
            await("the worker subscribed", () -> out.toString().contains("subscribed to " + topic), () -> out + " / " + err);
            send(topic, List.of(request));
            await("the worker registered a challenger", () -> out.toString().contains(": trained: "),
                    () -> out + " / " + err);
        } finally {
            command.interrupt();
            command.join(DEADLINE.toMillis());
        }
        assertThat(exit.get()).as(err.toString()).isZero();

        ModelSummary summary = registry.model(model);
        assertThat(summary.champion()).isEqualTo(v1.version());
        assertThat(summary.challenger()).isEqualTo(v1.version() + 1);
        assertThat(summary.challengerShare()).isEqualTo(0.25);
        ModelDescriptor challenger = registry.describe(model, summary.challenger()).descriptor();
        assertThat(RetrainKeys.keyOf(challenger.createdBy())).contains(request.idempotencyKey());
        assertThat(challenger.metrics()).containsEntry("champion_version", (double) v1.version());

        // The same holdout, rebuilt from the topic: both models' served scores give the logged figures.
        LabelledExamples rows = OutcomeExamples.read(KAFKA.kafka().bootstrapServers(), outcomesTopic(model),
                new OutcomeExamples.Selection(model, request.windowStart(), request.windowEnd()), Duration.ofSeconds(30))
                .examples();
        TimeSplit split = TimeSplit.of(rows, 0.3, Attribution.DEFAULT_WINDOW.toMillis());
        double challengerAuc = auc(registry.download(model, summary.challenger()), split.holdout());
        double championAuc = auc(registry.download(model, v1.version()), split.holdout());
        System.out.printf("happy path: challenger v%d at %.0f%%: holdout AUC %.4f against the champion's %.4f on %,d"
                        + " rows; the log says: %s%n", summary.challenger(), 100 * summary.challengerShare(), challengerAuc,
                championAuc, split.holdout().size(), gateLine(out.toString()));
        assertThat(challenger.metrics().get("auc")).isEqualTo(challengerAuc);
        assertThat(challenger.metrics().get("champion_auc")).isEqualTo(championAuc);
        assertThat(challenger.metrics().get("holdout_examples")).isEqualTo((double) split.holdout().size());
        assertThat(gateLine(out.toString())).contains(String.format("gate passed: candidate AUC %.4f, champion AUC %.4f",
                challengerAuc, championAuc), String.format("holdout %,d rows", split.holdout().size()));
        assertThat(challengerAuc).isGreaterThan(championAuc);
    }

    /**
     * A request the gate refuses (here: a holdout far below the gate's minimum) is acknowledged and
     * counted, not retried: it is received once and the subscription drains.
     */
    @Test
    void aGateRefusalIsAcknowledgedNotRetried() throws Exception {
        String model = "refused";
        String topic = topic(model);
        stream.writeTo(KAFKA.kafka(), outcomesTopic(model), model);
        RetrainRequest request = request(model, 0);
        TrainerMetrics metrics = new TrainerMetrics();
        List<String> log = new CopyOnWriteArrayList<>();
        try (RetrainWorker worker = RetrainWorker.start(queue(topic, "e"),
                training(model, new ChallengerGate(0.01, 1_000_000, 50), metrics, log), metrics, log::add);
             PulsarAdmin admin = PULSAR.pulsar().admin()) {
            send(topic, List.of(request));
            await("the gate's refusal", () -> metrics.retrainCount("gate_refused") == 1, () -> log);
            await("the subscription drained", () -> drained(admin, topic), () -> stats(admin, topic));
        }
        assertThat(metrics.retrainReceivedCount()).isEqualTo(1);
        assertThat(metrics.retrainCount(TrainerMetrics.RETRAIN_FAILED)).isZero();
        int holdout = TimeSplit.of(stream.examples(null), 0.3, Attribution.DEFAULT_WINDOW.toMillis()).holdout().size();
        assertThat(log).anyMatch(line -> line.contains(String.format(": gate refused (the holdout has %,d rows, the gate"
                + " needs 1,000,000)", holdout)));
        assertThat(versionsFor(model, request.idempotencyKey())).isEmpty();
    }

    /**
     * Two copies of one request held by two workers at the same moment (each waits for the other
     * before training): both train, which the registry cannot prevent, and both register; one copy
     * then archives itself, so one version per key is kept and served. The model has no champion,
     * so the kept copy is whichever the registry made champion on its own.
     */
    @Test
    void copiesHeldByTwoWorkersAtOnceKeepOneVersion() throws Exception {
        String model = "race";
        String topic = topic(model);
        stream.writeTo(KAFKA.kafka(), outcomesTopic(model), model);
        RetrainRequest request = request(model, 0);
        CountDownLatch bothHolding = new CountDownLatch(2);
        TrainerMetrics metricsA = new TrainerMetrics();
        TrainerMetrics metricsB = new TrainerMetrics();
        List<String> log = new CopyOnWriteArrayList<>();
        try (RetrainWorker a = RetrainWorker.start(queue(topic, "a"), together(bothHolding, training(model,
                     ChallengerGate.defaults(), metricsA, log)), metricsA, log::add);
             RetrainWorker b = RetrainWorker.start(queue(topic, "b"), together(bothHolding, training(model,
                     ChallengerGate.defaults(), metricsB, log)), metricsB, log::add)) {
            send(topic, List.of(request, request));
            await("both copies done", () -> done(metricsA) + done(metricsB) == 2, () -> log);
        }
        List<ModelVersion> versions = versionsFor(model, request.idempotencyKey());
        System.out.printf("two workers, one key at once: %d training runs, versions %s%n", runs(metricsA) + runs(metricsB),
                versions.stream().map(v -> "v" + v.version() + " " + v.status()).toList());
        assertThat(runs(metricsA) + runs(metricsB)).isEqualTo(2);
        assertThat(metricsA.retrainCount("trained") + metricsB.retrainCount("trained")).isEqualTo(1);
        assertThat(metricsA.retrainCount("duplicate") + metricsB.retrainCount("duplicate")).isEqualTo(1);
        assertThat(versions).extracting(ModelVersion::status)
                .containsExactlyInAnyOrder(ModelStatus.READY, ModelStatus.ARCHIVED);
        int kept = versions.stream().filter(v -> v.status() == ModelStatus.READY).findFirst().orElseThrow().version();
        ModelSummary summary = registry.model(model);
        assertThat(summary.champion()).isEqualTo(kept);
        assertThat(summary.challenger()).isZero();
    }

    // --- helpers

    private static RetrainWorker.Settings queue(String topic, String name) {
        return new RetrainWorker.Settings(PULSAR.pulsar().serviceUrl(), topic, SUBSCRIPTION, MAX_REDELIVERIES,
                Duration.ofMillis(100), Duration.ofMillis(400), null, name);
    }

    private static ChallengerTraining training(String model, ChallengerGate gate, TrainerMetrics metrics, List<String> log) {
        return new ChallengerTraining(new ChallengerTraining.Settings(KAFKA.kafka().bootstrapServers(), outcomesTopic(model),
                Duration.ofSeconds(30), 0.3, TrainingOptions.defaults(42), 1_000, gate, 0.1), registry, metrics, log::add);
    }

    /** Holds a request until both workers hold one, then trains; a retry goes straight through. */
    private static RetrainHandler together(CountDownLatch bothHolding, RetrainHandler handler) {
        return request -> {
            bothHolding.countDown();
            if (!bothHolding.await(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("the other worker never took its copy");
            }
            return handler.handle(request);
        };
    }

    private static RetrainRequest request(String model, int window) {
        return new RetrainRequest(model, RetrainRequest.Reason.DRIFT, Map.of("psi", 0.31, "labelled", 2400.0),
                stream.start(), stream.end(), RetrainRequest.keyOf(model, stream.start(), stream.end()) + "#" + window,
                stream.end() + 1_000);
    }

    private static String topic(String name) {
        return "persistent://public/default/retrain-requests-" + name;
    }

    private static String outcomesTopic(String model) {
        return "outcomes-" + model;
    }

    /** Requests are sent unbatched, as the Flink sink sends them: the workers' zero receiver queue takes no batches. */
    private static void send(String topic, List<RetrainRequest> requests) throws Exception {
        try (Producer<byte[]> producer = pulsarClient.newProducer().topic(topic).enableBatching(false).create()) {
            for (RetrainRequest request : requests) {
                producer.newMessage().key(request.model()).value(RetrainRequestJson.encode(request))
                        .property("idempotency_key", request.idempotencyKey()).send();
            }
        }
    }

    private static Message<byte[]> receive(Consumer<byte[]> consumer) {
        try {
            Message<byte[]> message = consumer.receive(200, TimeUnit.MILLISECONDS);
            if (message != null) {
                consumer.acknowledge(message);
            }
            return message;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Nothing left to deliver or to acknowledge in the workers' subscription. */
    private static boolean drained(PulsarAdmin admin, String topic) {
        SubscriptionStats stats = subscription(admin, topic);
        return stats != null && stats.getMsgBacklog() == 0 && stats.getUnackedMessages() == 0;
    }

    private static String stats(PulsarAdmin admin, String topic) {
        SubscriptionStats stats = subscription(admin, topic);
        return stats == null ? "no subscription" : "backlog " + stats.getMsgBacklog() + ", unacked " + stats.getUnackedMessages();
    }

    private static SubscriptionStats subscription(PulsarAdmin admin, String topic) {
        try {
            return admin.topics().getStats(topic).getSubscriptions().get(SUBSCRIPTION);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static final Pattern ATTEMPT = Pattern.compile(": attempt (\\d+) of \\d+: ");

    private static List<Integer> attemptsLogged(List<String> log, String key) {
        List<Integer> attempts = new ArrayList<>();
        for (String line : log) {
            Matcher matcher = ATTEMPT.matcher(line);
            if (line.startsWith(key + ": ") && matcher.find()) {
                attempts.add(Integer.parseInt(matcher.group(1)));
            }
        }
        Collections.sort(attempts);
        return attempts;
    }

    private static List<ModelVersion> versionsFor(String model, String key) {
        try {
            return registry.versions(model).stream()
                    .filter(v -> RetrainKeys.keyOf(v.descriptor().createdBy()).filter(key::equals).isPresent())
                    .toList();
        } catch (dev.flywheel.registry.client.RegistryClientException e) {
            if (e.status() == 404) {
                return List.of();
            }
            throw e;
        }
    }

    /** Training runs that completed, from the metric ChallengerTraining keeps. */
    private static long runs(TrainerMetrics metrics) {
        return metrics.runCount(TrainerMetrics.SUCCEEDED);
    }

    private static long done(TrainerMetrics metrics) {
        return metrics.retrainCount("trained") + metrics.retrainCount("duplicate") + metrics.retrainCount("gate_refused");
    }

    private static double auc(byte[] onnx, LabelledExamples holdout) throws Exception {
        try (OnnxScorer scorer = new OnnxScorer(onnx, holdout.featureCount())) {
            List<double[]> rows = holdout.examples().stream().map(LabelledExample::features).toList();
            return BinaryMetrics.auc(scorer.column(rows, 1), holdout.labels());
        }
    }

    private static String gateLine(String log) {
        return log.lines().filter(line -> line.contains(": gate ")).findFirst().orElse("(no gate line)");
    }

    private static void await(String what, BooleanSupplier condition, Supplier<Object> state) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waiting for " + what + " for " + DEADLINE.toSeconds() + " s: " + state.get());
            }
            Thread.sleep(50);
        }
    }
}
