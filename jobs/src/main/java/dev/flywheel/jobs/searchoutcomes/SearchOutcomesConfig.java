package dev.flywheel.jobs.searchoutcomes;

import static dev.flywheel.jobs.JobOptions.require;

import dev.flywheel.events.Topics;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.JobOptions;
import dev.flywheel.outcomes.Attribution;
import java.io.Serializable;
import java.time.Duration;
import java.util.Set;

/**
 * Everything the search outcomes job can be told, validated once at start-up.
 *
 * @param job                 Kafka, the clickstream, event time, checkpoints, parallelism
 * @param searchOutcomesTopic output, written exactly once
 * @param attribution         how long after a search its clicks and purchases count
 */
public record SearchOutcomesConfig(JobOptions job, String searchOutcomesTopic, Attribution attribution)
        implements Serializable {

    static final Set<String> ARGUMENTS = JobOptions.argumentsWith("search-outcomes-topic", "attribution-window");

    public SearchOutcomesConfig {
        require(searchOutcomesTopic != null && !searchOutcomesTopic.isBlank(), "--search-outcomes-topic must not be blank");
        job.requireTransactionsOutlastCheckpoints(job.kafka().transactionTimeout(), "exactly-once search outcomes");
    }

    public static SearchOutcomesConfig fromArgs(String[] args) {
        return from(JobArgs.parse(args, ARGUMENTS));
    }

    public static SearchOutcomesConfig from(JobArgs args) {
        Duration window = args.duration("attribution-window", Attribution.DEFAULT_WINDOW);
        require(!window.isNegative() && !window.isZero(), "--attribution-window must be positive");
        return new SearchOutcomesConfig(
                JobOptions.from(args, "flywheel-search-outcomes"),
                args.string("search-outcomes-topic", Topics.SEARCH_OUTCOMES),
                new Attribution(window));
    }
}
