package dev.flywheel.jobs.scoring;

import static dev.flywheel.jobs.JobOptions.require;

import dev.flywheel.events.Topics;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.JobOptions;
import dev.flywheel.models.ModelContracts;
import dev.flywheel.outcomes.Attribution;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Everything the scoring job can be told, validated once at start-up.
 *
 * @param job               Kafka, input topics, event time, checkpoints, parallelism
 * @param features          top-K categories and the state TTL of users and items
 * @param models            the registry models this job scores every event with
 * @param registry          the registry's base URL, where artifacts are fetched
 * @param registryToken     a reader token ({@code FLYWHEEL_REGISTRY_TOKEN} or {@code --registry-token})
 * @param modelUpdatesTopic the compacted serving-config topic the registry writes
 * @param decisionsTopic    one record per decision
 * @param outcomesTopic     decisions with their labels, exactly once
 * @param featuresTopic     every event's vector, whether a model served or not; null: not written
 * @param attribution       the label window of outcomes
 * @param returnWindow      how long after an attributed purchase its returns are watched for; 0: not
 * @param bufferTimeout     Flink's network buffer timeout: the longest a record waits in a
 *                          half-full buffer between two operators (Flink's default is 100 ms)
 */
public record ScoringConfig(
        JobOptions job,
        FeatureSettings features,
        List<String> models,
        URI registry,
        String registryToken,
        String modelUpdatesTopic,
        String decisionsTopic,
        String outcomesTopic,
        String featuresTopic,
        Attribution attribution,
        Duration returnWindow,
        Duration bufferTimeout) implements Serializable {

    public static final String DEFAULT_MODEL = "purchase-propensity";
    static final String TOKEN_VARIABLE = "FLYWHEEL_REGISTRY_TOKEN";

    static final Set<String> ARGUMENTS = JobOptions.argumentsWith("top-categories", "state-ttl", "models", "registry",
            "registry-token", "model-updates-topic", "decisions-topic", "outcomes-topic", "features-topic",
            "attribution-window", "return-window", "buffer-timeout");

    public ScoringConfig {
        models = List.copyOf(models);
        // Outcomes are always written exactly once: they are training data.
        job.requireTransactionsOutlastCheckpoints(job.kafka().transactionTimeout(), "exactly-once outcomes");
    }

    public static ScoringConfig fromArgs(String[] args) {
        return from(JobArgs.parse(args, ARGUMENTS));
    }

    public static ScoringConfig from(JobArgs args) {
        int topCategories = args.integer("top-categories", FeatureSpec.DEFAULT_TOP_CATEGORIES);
        Duration stateTtl = args.duration("state-ttl", FeatureSettings.defaults().stateTtl());
        require(topCategories > 0, "--top-categories must be positive");
        require(stateTtl.compareTo(FeatureSpec.SESSION_GAP) >= 0,
                "--state-ttl must be at least the session gap (" + FeatureSpec.SESSION_GAP + ")");
        List<String> models = args.list("models", List.of(DEFAULT_MODEL));
        for (String model : models) {
            require(ModelContracts.isValidModelName(model), "--models: '" + model + "' is not a model name ("
                    + ModelContracts.MODEL_NAME.pattern() + ")");
        }
        Duration window = args.duration("attribution-window", Attribution.DEFAULT_WINDOW);
        require(!window.isNegative() && !window.isZero(), "--attribution-window must be positive");
        Duration returnWindow = args.duration("return-window", Duration.ZERO);
        require(!returnWindow.isNegative(), "--return-window must not be negative");
        Duration bufferTimeout = args.duration("buffer-timeout", Duration.ofMillis(5));
        require(!bufferTimeout.isNegative(), "--buffer-timeout must not be negative (0 flushes every record)");
        String token = args.optional("registry-token");
        if (token == null) {
            token = System.getenv().getOrDefault(TOKEN_VARIABLE, "local-reader-token");
        }
        return new ScoringConfig(
                JobOptions.from(args, "flywheel-scoring"),
                new FeatureSettings(topCategories, stateTtl),
                models,
                uri(args.string("registry", "http://localhost:8095")),
                token,
                args.string("model-updates-topic", Topics.MODEL_UPDATES),
                args.string("decisions-topic", Topics.DECISIONS),
                args.string("outcomes-topic", Topics.OUTCOMES),
                args.optional("features-topic"),
                new Attribution(window),
                returnWindow,
                bufferTimeout);
    }

    private static URI uri(String text) {
        try {
            URI uri = new URI(text);
            require("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()),
                    "--registry must be an http:// or https:// URL, got '" + text + "'");
            return uri;
        } catch (URISyntaxException e) {
            throw new JobArgs.InvalidJobArgumentException("--registry is not a URL: " + e.getMessage());
        }
    }
}
