package dev.flywheel.registry.release;

import dev.flywheel.events.Topics;
import dev.flywheel.health.ModelHealthJson;
import dev.flywheel.health.ModelHealthReport;
import dev.flywheel.health.ModelHealthReport.Comparison;
import dev.flywheel.health.ModelHealthReport.Verdict;
import dev.flywheel.health.ReleaseDecision;
import dev.flywheel.health.ReleaseDecision.Action;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.models.ServingVariant;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.client.RegistryClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Promotes or rolls back canaries on live evidence, with nobody stepping in. It reads the monitor's
 * reports from {@code model-health}; when a report's champion-vs-challenger comparison says the
 * challenger is worse it takes the challenger out of serving and archives it, and when it says better, or shows the
 * challenger no worse than a small margin with enough outcomes ({@link ReleasePolicy}), it promotes
 * it. Every move goes through the registry, so it reaches the scoring jobs via
 * {@code model-updates}; every move is logged and written back to {@code model-health} as a
 * {@link ReleaseDecision} with its evidence.
 *
 * <p>A report only counts while the registry still serves the pair it compared: reports of a pair
 * already promoted or rolled back, or read again after a restart, change nothing. So the
 * controller keeps no state of its own and can restart anywhere in the topic.
 */
public final class ReleaseController implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReleaseController.class);

    /** What the controller needs of the registry; {@link RegistryClient} in production. */
    public interface Registry {
        ServingConfig servingConfig(String model);

        ServingConfig promote(String model, int version);

        ServingConfig setAliases(String model, AliasUpdate update);

        void archive(String model, int version);

        static Registry of(RegistryClient client) {
            return new Registry() {
                @Override
                public ServingConfig servingConfig(String model) {
                    return client.servingConfig(model);
                }

                @Override
                public ServingConfig promote(String model, int version) {
                    return client.promote(model, version);
                }

                @Override
                public ServingConfig setAliases(String model, AliasUpdate update) {
                    return client.setAliases(model, update);
                }

                @Override
                public void archive(String model, int version) {
                    client.archive(model, version);
                }
            };
        }
    }

    private final Registry registry;
    private final ReleasePolicy policy;
    private final Clock clock;
    private final Consumer<ReleaseDecision> decisions;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final ReleaseMetrics metrics = new ReleaseMetrics();
    private Thread thread;

    /**
     * @param bootstrap Kafka brokers holding {@code topic}
     * @param group     consumer group; the controller resumes where it left off
     * @param decisions also told of every move (the local run's status line), may be a no-op
     */
    public ReleaseController(Registry registry, ReleasePolicy policy, String bootstrap, String topic, String group,
            Consumer<ReleaseDecision> decisions) {
        this.registry = registry;
        this.policy = policy;
        this.clock = Clock.systemUTC();
        this.decisions = decisions;
        this.topic = topic;
        Properties consumerProperties = new Properties();
        consumerProperties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        consumerProperties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        consumerProperties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProperties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(consumerProperties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        Properties producerProperties = new Properties();
        producerProperties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        this.producer = new KafkaProducer<>(producerProperties, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public static ReleaseController onKafka(RegistryClient registry, String bootstrap, Consumer<ReleaseDecision> decisions) {
        return new ReleaseController(Registry.of(registry), ReleasePolicy.defaults(), bootstrap, Topics.MODEL_HEALTH,
                "flywheel-release-controller", decisions);
    }

    /** Its Prometheus metrics; {@link ReleaseMetrics#serve} exposes them. */
    public ReleaseMetrics metrics() {
        return metrics;
    }

    /** Runs the controller on a daemon thread of its own until {@link #close}. */
    public synchronized ReleaseController start() {
        thread = new Thread(this, "flywheel-release-controller");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Reads reports until {@link #close}. */
    @Override
    public void run() {
        consumer.subscribe(List.of(topic));
        try {
            while (true) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    handle(record.value());
                }
                consumer.commitSync();
            }
        } catch (WakeupException closing) {
            // close() was called
        } finally {
            consumer.close();
        }
    }

    /** One model-health record: a report may move a canary; release decisions and unreadable records are skipped. */
    void handle(byte[] value) {
        if (ReleaseDecision.isRelease(value)) {
            return;
        }
        ModelHealthReport report;
        try {
            report = ModelHealthJson.decode(value);
        } catch (IllegalArgumentException e) {
            LOG.warn("skipped a model-health record that is not a report: {}", e.getMessage());
            return;
        }
        if (report.comparison() == null) {
            return;
        }
        metrics.compared(report.model());
        ServingConfig serving;
        try {
            serving = registry.servingConfig(report.model());
        } catch (RuntimeException e) {
            LOG.warn("could not read {}'s serving config, report for window ending {} not acted on: {}",
                    report.model(), report.windowEnd(), e.getMessage());
            return;
        }
        decide(report, serving, policy).ifPresent(move -> act(report, serving, move));
    }

    /** What a report asks for, given what the registry serves now; empty: nothing. */
    static Optional<Move> decide(ModelHealthReport report, ServingConfig serving, ReleasePolicy policy) {
        Comparison c = report.comparison();
        if (c == null || !servesPair(serving, c.champion(), c.challenger())) {
            return Optional.empty();
        }
        if (c.verdict() == Verdict.CHALLENGER_WORSE) {
            return Optional.of(new Move(Action.ROLL_BACK, String.format("challenger v%d's log loss is higher than"
                    + " champion v%d's beyond chance (p %s)", c.challenger(), c.champion(), figure(c.pValue()))));
        }
        if (c.verdict() == Verdict.CHALLENGER_BETTER) {
            return Optional.of(new Move(Action.PROMOTE, String.format("challenger v%d's log loss is lower than"
                    + " champion v%d's beyond chance (p %s)", c.challenger(), c.champion(), figure(c.pValue()))));
        }
        if (c.difference() != null && c.stdError() != null && c.championLabelled() >= policy.minLabelled()
                && c.challengerLabelled() >= policy.minLabelled()) {
            double upper = c.difference() + policy.z() * c.stdError();
            if (upper < policy.margin()) {
                return Optional.of(new Move(Action.PROMOTE, String.format("challenger v%d is at least as good as"
                        + " champion v%d: log loss difference %+.4f, upper bound %+.4f under the margin %.4f",
                        c.challenger(), c.champion(), c.difference(), upper, policy.margin())));
            }
        }
        return Optional.empty();
    }

    private void act(ModelHealthReport report, ServingConfig serving, Move move) {
        Comparison c = report.comparison();
        ServingConfig after;
        try {
            after = move.action() == Action.PROMOTE
                    ? registry.promote(report.model(), c.challenger())
                    : registry.setAliases(report.model(), withoutChallenger(serving));
        } catch (RuntimeException e) {
            // The next report of the same pair tries again.
            LOG.warn("{} {} v{} failed: {}", move.action(), report.model(), c.challenger(), e.getMessage());
            metrics.failed(report.model());
            return;
        }
        metrics.moved(report.model(), move.action());
        if (move.action() == Action.ROLL_BACK) {
            // Retired, so that a repeated retrain request for its window finds it done rather than
            // canarying it again (the worker resumes a ready version that never served).
            try {
                registry.archive(report.model(), c.challenger());
            } catch (RuntimeException e) {
                LOG.warn("rolled back {} v{} but could not archive it: {}", report.model(), c.challenger(), e.getMessage());
            }
        }
        Map<String, Double> evidence = new LinkedHashMap<>();
        evidence.put("champion_labelled", (double) c.championLabelled());
        evidence.put("challenger_labelled", (double) c.challengerLabelled());
        put(evidence, "champion_log_loss", c.championLogLoss());
        put(evidence, "challenger_log_loss", c.challengerLogLoss());
        put(evidence, "difference", c.difference());
        put(evidence, "std_error", c.stdError());
        put(evidence, "p_value", c.pValue());
        ReleaseDecision decision = new ReleaseDecision(ReleaseDecision.KIND, report.model(), move.action(),
                c.champion(), c.challenger(), move.reason(), evidence, report.windowEnd(), after.revision(),
                clock.millis());
        LOG.info("{} {}: {}; registry revision {}", move.action(), report.model(), move.reason(), after.revision());
        producer.send(new ProducerRecord<>(topic, report.model().getBytes(StandardCharsets.UTF_8),
                ModelHealthJson.encodeValue(decision)));
        producer.flush();
        decisions.accept(decision);
    }

    /** The same serving, less the challenger: the champion takes its share back; a shadow stays. */
    static AliasUpdate withoutChallenger(ServingConfig serving) {
        int champion = serving.variant(ServingVariant.CHAMPION).map(ServingVariant::version).orElse(0);
        Optional<ServingVariant> shadow = serving.variant(ServingVariant.SHADOW);
        return new AliasUpdate(champion, 0, shadow.map(ServingVariant::version).orElse(0), 0,
                shadow.map(ServingVariant::trafficShare).orElse(0.0));
    }

    private static boolean servesPair(ServingConfig serving, int champion, int challenger) {
        return serving.variant(ServingVariant.CHAMPION).map(v -> v.version() == champion).orElse(false)
                && serving.variant(ServingVariant.CHALLENGER).map(v -> v.version() == challenger).orElse(false);
    }

    private static void put(Map<String, Double> evidence, String name, Double value) {
        if (value != null) {
            evidence.put(name, value);
        }
    }

    private static String figure(Double value) {
        return value == null ? "unknown" : String.format("%.2g", value);
    }

    @Override
    public synchronized void close() {
        if (thread == null) {
            consumer.close();
        } else {
            consumer.wakeup();
            try {
                thread.join(Duration.ofSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        producer.close(Duration.ofSeconds(5));
    }

    /** A move and why. */
    record Move(Action action, String reason) {
    }
}
