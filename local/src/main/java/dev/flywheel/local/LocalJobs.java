package dev.flywheel.local;

import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.analytics.AnalyticsConfig;
import dev.flywheel.jobs.analytics.AnalyticsJob;
import dev.flywheel.jobs.scoring.ScoringConfig;
import dev.flywheel.jobs.scoring.ScoringJob;
import dev.flywheel.registry.http.Credentials;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The two jobs of the local run, side by side on the stack's MiniCluster, each reading the whole
 * clickstream in its own consumer group ({@code flywheel-analytics}, {@code flywheel-scoring}):
 * the analytics job, and the scoring job serving the registry's models with a reader token.
 */
record LocalJobs(JobClient analytics, JobClient scoring, JobMetrics analyticsMetrics, JobMetrics scoringMetrics) {

    static final String ACCEPTED = "events_accepted";
    static final String REJECTED = "events_rejected";
    static final String LATE = "events_late";
    static final String UNSCORED = "events_unscored";
    static final String LOAD_FAILURES = "load_failures";
    static final String DECISIONS_LATE = "decisions_late";
    static final String ACTIVITY_LATE = "activity_late";

    static LocalJobs submit(LocalStack stack, int parallelism) throws Exception {
        return submit(stack, parallelism, null);
    }

    /** As {@link #submit(LocalStack, int)}, the scoring job restored from {@code savepoint} unless it is null. */
    static LocalJobs submit(LocalStack stack, int parallelism, Path savepoint) throws Exception {
        Map<String, String> common = new HashMap<>(Map.of(
                "bootstrap", stack.kafkaBootstrap(),
                "starting-offsets", "earliest",
                "parallelism", Integer.toString(parallelism)));
        common.putAll(stack.topics().jobArguments());

        Map<String, String> analyticsArgs = new HashMap<>(common);
        analyticsArgs.put("analytics-topic", stack.topics().analytics());
        StreamExecutionEnvironment analyticsEnv = stack.flinkEnvironment();
        AnalyticsJob.onKafka(AnalyticsConfig.from(JobArgs.of(analyticsArgs))).build(analyticsEnv);
        JobClient analytics = stack.submit(analyticsEnv, "flywheel-analytics");

        Map<String, String> scoringArgs = new HashMap<>(common);
        scoringArgs.put("registry", stack.registryUrl());
        scoringArgs.put("registry-token", Credentials.LOCAL_READER);
        scoringArgs.put("decisions-topic", stack.topics().decisions());
        scoringArgs.put("outcomes-topic", stack.topics().outcomes());
        StreamExecutionEnvironment scoringEnv = savepoint == null ? stack.flinkEnvironment()
                : stack.flinkEnvironment(savepoint);
        ScoringJob.onKafka(ScoringConfig.from(JobArgs.of(scoringArgs))).build(scoringEnv);
        JobClient scoring;
        try {
            scoring = stack.submit(scoringEnv, "flywheel-scoring");
        } catch (Exception e) {
            analytics.cancel().get(30, TimeUnit.SECONDS);
            throw e;
        }

        List<String> scoringNames = new ArrayList<>(List.of(REJECTED, UNSCORED, LOAD_FAILURES,
                DECISIONS_LATE, ACTIVITY_LATE));
        scoringNames.addAll(ServingSplit.GAUGES);
        return new LocalJobs(analytics, scoring,
                new JobMetrics(stack.flinkWebUi(), analytics.getJobID().toHexString(), List.of(ACCEPTED, REJECTED, LATE)),
                new JobMetrics(stack.flinkWebUi(), scoring.getJobID().toHexString(), scoringNames));
    }

    void cancel() throws Exception {
        try {
            scoring.cancel().get(30, TimeUnit.SECONDS);
        } finally {
            analytics.cancel().get(30, TimeUnit.SECONDS);
        }
    }
}
