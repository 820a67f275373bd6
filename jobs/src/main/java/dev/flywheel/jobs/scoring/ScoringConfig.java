package dev.flywheel.jobs.scoring;

import static dev.flywheel.jobs.JobOptions.require;

import dev.flywheel.events.Topics;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.JobOptions;
import java.io.Serializable;
import java.time.Duration;
import java.util.Set;

/**
 * Everything the scoring job can be told, validated once at start-up.
 *
 * @param job           Kafka, input topics, event time, checkpoints, parallelism; features wait
 *                      {@code maxOutOfOrderness} (plus the watermark interval) before they are made
 * @param featuresTopic one feature vector per event
 * @param features      top-K categories and the state TTL of users and items
 */
public record ScoringConfig(
        JobOptions job,
        String featuresTopic,
        FeatureSettings features) implements Serializable {

    static final Set<String> ARGUMENTS = JobOptions.argumentsWith("features-topic", "top-categories", "state-ttl");

    public static ScoringConfig fromArgs(String[] args) {
        return from(JobArgs.parse(args, ARGUMENTS));
    }

    public static ScoringConfig from(JobArgs args) {
        int topCategories = args.integer("top-categories", FeatureSpec.DEFAULT_TOP_CATEGORIES);
        Duration stateTtl = args.duration("state-ttl", FeatureSettings.defaults().stateTtl());
        require(topCategories > 0, "--top-categories must be positive");
        require(stateTtl.compareTo(FeatureSpec.SESSION_GAP) >= 0,
                "--state-ttl must be at least the session gap (" + FeatureSpec.SESSION_GAP + ")");
        return new ScoringConfig(
                JobOptions.from(args, "flywheel-scoring"),
                args.string("features-topic", Topics.FEATURES),
                new FeatureSettings(topCategories, stateTtl));
    }
}
