package dev.flywheel.cluster;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The jobs of the shaded jar a cluster can run: entry class and the name each gives its Flink job. */
public enum FlywheelJob {
    ANALYTICS("dev.flywheel.jobs.analytics.AnalyticsJob", "flywheel-analytics"),
    SCORING("dev.flywheel.jobs.scoring.ScoringJob", "flywheel-scoring"),
    MONITOR("dev.flywheel.jobs.monitor.MonitorJob", "flywheel-monitor"),
    SEARCH_OUTCOMES("dev.flywheel.jobs.searchoutcomes.SearchOutcomesJob", "flywheel-search-outcomes");

    private final String entryClass;
    private final String jobName;

    FlywheelJob(String entryClass, String jobName) {
        this.entryClass = entryClass;
        this.jobName = jobName;
    }

    public String entryClass() {
        return entryClass;
    }

    /** The name the job passes to {@code env.execute}, as the cluster lists it. */
    public String jobName() {
        return jobName;
    }

    public String option() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static FlywheelJob of(String name) {
        for (FlywheelJob job : values()) {
            if (job.option().equals(name.trim().toLowerCase(Locale.ROOT))) {
                return job;
            }
        }
        throw new IllegalArgumentException("unknown job '" + name + "' (one of " + names() + ")");
    }

    public static String names() {
        return Arrays.stream(values()).map(FlywheelJob::option).collect(Collectors.joining(", "));
    }
}
