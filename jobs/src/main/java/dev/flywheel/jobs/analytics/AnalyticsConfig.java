package dev.flywheel.jobs.analytics;

import static dev.flywheel.jobs.JobOptions.require;

import dev.flywheel.events.Topics;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.JobOptions;
import java.io.Serializable;
import java.time.Duration;
import java.util.Set;

/**
 * Everything the analytics job can be told, validated once at start-up.
 *
 * @param job            Kafka, input topics, event time, checkpoints, parallelism
 * @param analyticsTopic output
 * @param window         analytics window (one minute by default)
 * @param topCategories  how many categories each record lists
 * @param shards         user shards of the first aggregation stage: the parallelism it can use
 */
public record AnalyticsConfig(
        JobOptions job,
        String analyticsTopic,
        Duration window,
        int topCategories,
        int shards) implements Serializable {

    static final Set<String> ARGUMENTS = JobOptions.argumentsWith("analytics-topic", "window", "top-categories",
            "shards");

    public AnalyticsConfig {
        require(!window.isNegative() && !window.isZero(), "--window must be positive");
        require(topCategories > 0, "--top-categories must be positive");
        require(shards > 0, "--shards must be positive");
    }

    public static AnalyticsConfig fromArgs(String[] args) {
        return from(JobArgs.parse(args, ARGUMENTS));
    }

    public static AnalyticsConfig from(JobArgs args) {
        return new AnalyticsConfig(
                JobOptions.from(args, "flywheel-analytics"),
                args.string("analytics-topic", Topics.ANALYTICS),
                args.duration("window", Duration.ofMinutes(1)),
                args.integer("top-categories", 5),
                args.integer("shards", 128));
    }
}
