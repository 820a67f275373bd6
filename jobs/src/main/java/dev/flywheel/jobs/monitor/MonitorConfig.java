package dev.flywheel.jobs.monitor;

import static dev.flywheel.jobs.JobOptions.require;

import dev.flywheel.events.Topics;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import dev.flywheel.jobs.JobOptions;
import dev.flywheel.models.ModelContracts;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.retrain.RetrainRequest;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything the monitor job can be told, validated once at start-up.
 *
 * @param job               Kafka, event time, checkpoints, parallelism (the clickstream fields are unused)
 * @param models            the models to watch; empty: every model in the topics
 * @param registry          the registry's base URL, where descriptors are fetched
 * @param registryToken     a reader token ({@code FLYWHEEL_REGISTRY_TOKEN} or {@code --registry-token})
 * @param decisionsTopic    read, at-least-once: deduplicated by decision id
 * @param outcomesTopic     read {@code read_committed}
 * @param modelUpdatesTopic the registry's compacted serving configs
 * @param modelHealthTopic  where reports go
 * @param retrainTopic      the Kafka topic {@link MonitorJob#main} sends retrain requests to
 *                          (JSON) without {@code pulsar}
 * @param pulsar            the Pulsar service URL retrain requests go to, the trainer workers'
 *                          queue; null: the Kafka {@code retrainTopic}
 * @param retrainPulsarTopic the Pulsar topic of retrain requests
 * @param settings          windows, tests and triggers
 */
public record MonitorConfig(JobOptions job, List<String> models, URI registry, String registryToken,
        String decisionsTopic, String outcomesTopic, String modelUpdatesTopic, String modelHealthTopic,
        String retrainTopic, String pulsar, String retrainPulsarTopic, MonitorSettings settings)
        implements Serializable {

    static final String TOKEN_VARIABLE = "FLYWHEEL_REGISTRY_TOKEN";
    public static final String DEFAULT_RETRAIN_TOPIC = "retrain-requests";

    /** The job options without the clickstream's, which the monitor does not read. */
    static final Set<String> ARGUMENTS;

    static {
        Set<String> names = new HashSet<>(JobOptions.argumentsWith("models", "registry", "registry-token",
                "decisions-topic", "outcomes-topic", "model-updates-topic", "model-health-topic", "retrain-topic",
                "window", "allowed-lateness", "attribution-window", "drift-false-alarm-rate", "min-decisions",
                "sustained-windows", "quality-alpha", "auc-tolerance", "calibration-tolerance", "min-labelled", "verdict-alpha",
                "verdict-min-labelled", "retrain-cooldown", "retrain-every", "training-span", "post-drift-span",
                "retrain-models", "pulsar", "retrain-pulsar-topic"));
        names.removeAll(Set.of("clickstream-topic", "dlq-topic", "late-topic", "max-payload-bytes"));
        ARGUMENTS = Set.copyOf(names);
    }

    public MonitorConfig {
        models = List.copyOf(models);
    }

    public static MonitorConfig fromArgs(String[] args) {
        return from(JobArgs.parse(args, ARGUMENTS));
    }

    public static MonitorConfig from(JobArgs args) {
        List<String> models = args.list("models", List.of());
        for (String model : models) {
            require(ModelContracts.isValidModelName(model), "--models: '" + model + "' is not a model name ("
                    + ModelContracts.MODEL_NAME.pattern() + ")");
        }
        Duration window = args.duration("window", Duration.ofMinutes(10));
        Duration lateness = args.duration("allowed-lateness", Duration.ofMinutes(1));
        Duration attribution = args.duration("attribution-window", Attribution.DEFAULT_WINDOW);
        double falseAlarmRate = decimal(args, "drift-false-alarm-rate", 0.01);
        int minDecisions = args.integer("min-decisions", 200);
        int sustained = args.integer("sustained-windows", 2);
        double qualityAlpha = decimal(args, "quality-alpha", 0.01);
        double tolerance = decimal(args, "auc-tolerance", 0.02);
        double calibrationTolerance = decimal(args, "calibration-tolerance", 0.02);
        int minLabelled = args.integer("min-labelled", 200);
        double verdictAlpha = decimal(args, "verdict-alpha", 0.01);
        int verdictMinLabelled = args.integer("verdict-min-labelled", 1_000);
        Duration cooldown = args.duration("retrain-cooldown", Duration.ofHours(6));
        Duration every = args.duration("retrain-every", Duration.ZERO);
        Duration span = args.duration("training-span", Duration.ofHours(6));
        Duration postDrift = args.duration("post-drift-span", Duration.ZERO);
        List<String> retrainModels = args.list("retrain-models", List.of());
        for (String model : retrainModels) {
            require(models.isEmpty() || models.contains(model), "--retrain-models: '" + model
                    + "' is not one of --models");
        }
        String pulsar = args.optional("pulsar");
        require(pulsar == null || pulsar.startsWith("pulsar://") || pulsar.startsWith("pulsar+ssl://"),
                "--pulsar must be a pulsar:// or pulsar+ssl:// URL, got '" + pulsar + "'");

        require(window.toMillis() > 0, "--window must be positive");
        require(!lateness.isNegative(), "--allowed-lateness must not be negative");
        require(attribution.toMillis() > 0, "--attribution-window must be positive");
        require(falseAlarmRate > 0 && falseAlarmRate < 1, "--drift-false-alarm-rate must be between 0 and 1");
        require(minDecisions >= 1, "--min-decisions must be at least 1");
        require(sustained >= 1, "--sustained-windows must be at least 1");
        require(qualityAlpha > 0 && qualityAlpha < 1, "--quality-alpha must be between 0 and 1");
        require(tolerance >= 0 && tolerance < 1, "--auc-tolerance must be in [0, 1)");
        require(calibrationTolerance >= 0 && calibrationTolerance < 1, "--calibration-tolerance must be in [0, 1)");
        require(minLabelled >= 1, "--min-labelled must be at least 1");
        require(verdictAlpha > 0 && verdictAlpha < 1, "--verdict-alpha must be between 0 and 1");
        require(verdictMinLabelled >= 2, "--verdict-min-labelled must be at least 2");
        require(!cooldown.isNegative(), "--retrain-cooldown must not be negative");
        require(!every.isNegative(), "--retrain-every must not be negative (0: no schedule)");
        require(span.compareTo(window) >= 0, "--training-span must be at least one --window");
        require(postDrift.isZero() || postDrift.compareTo(window) >= 0,
                "--post-drift-span must be 0 (request at once) or at least one --window");

        String token = args.optional("registry-token");
        if (token == null) {
            token = System.getenv().getOrDefault(TOKEN_VARIABLE, "local-reader-token");
        }
        return new MonitorConfig(
                JobOptions.from(args, "flywheel-monitor"),
                models,
                uri(args.string("registry", "http://localhost:8095")),
                token,
                args.string("decisions-topic", Topics.DECISIONS),
                args.string("outcomes-topic", Topics.OUTCOMES),
                args.string("model-updates-topic", Topics.MODEL_UPDATES),
                args.string("model-health-topic", Topics.MODEL_HEALTH),
                args.string("retrain-topic", DEFAULT_RETRAIN_TOPIC),
                pulsar,
                args.string("retrain-pulsar-topic", RetrainRequest.TOPIC),
                new MonitorSettings(window, lateness, attribution, falseAlarmRate, minDecisions, sustained, qualityAlpha,
                        tolerance, calibrationTolerance, minLabelled, verdictAlpha, verdictMinLabelled, cooldown, every,
                        span, postDrift, retrainModels));
    }

    private static double decimal(JobArgs args, String name, double fallback) {
        String value = args.optional(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new InvalidJobArgumentException("--" + name + " must be a number, got '" + value + "'");
        }
    }

    private static URI uri(String text) {
        try {
            URI uri = new URI(text);
            require("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()),
                    "--registry must be an http:// or https:// URL, got '" + text + "'");
            return uri;
        } catch (URISyntaxException e) {
            throw new InvalidJobArgumentException("--registry is not a URL: " + e.getMessage());
        }
    }
}
