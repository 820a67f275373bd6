package dev.flywheel.jobs;

/**
 * A stable operator identity: the uid that savepoint state is bound to, and the name people see.
 * Uids are written out here, never derived from class names, so refactoring cannot orphan state.
 */
public record Operator(String uid, String name) {

    // Analytics job
    public static final Operator CLICKSTREAM_SOURCE = new Operator("clickstream-source", "Kafka: clickstream (parsed)");
    public static final Operator ROUTE_DEAD_LETTERS = new Operator("route-dead-letters", "Route dead letters");
    public static final Operator MINUTE_PARTIALS = new Operator("minute-partials", "Per-minute partial analytics");
    public static final Operator MINUTE_ANALYTICS = new Operator("minute-analytics", "Per-minute analytics");
    public static final Operator COUNT_LATE = new Operator("count-late-events", "Count late events");
    public static final Operator ANALYTICS_SINK = new Operator("analytics-sink", "Kafka: analytics");
    public static final Operator DEAD_LETTER_SINK = new Operator("dead-letter-sink", "Kafka: clickstream.dlq");
    public static final Operator LATE_EVENT_SINK = new Operator("late-event-sink", "Kafka: clickstream.late");

    // Scoring job (also uses the source and dead-letter operators above)
    public static final Operator MODEL_UPDATES_SOURCE = new Operator("model-updates-source", "Kafka: model-updates");
    public static final Operator USER_FEATURES = new Operator("user-features", "User and session features (keyed by user)");
    public static final Operator SCORING = new Operator("item-features-and-scoring", "Item features + ONNX scoring (keyed by item)");
    public static final Operator DECISIONS_SINK = new Operator("decisions-sink", "Kafka: decisions");
    public static final Operator FEATURES_SINK = new Operator("features-sink", "Kafka: features");
    public static final Operator ACTIVITY = new Operator("purchases-and-returns", "Purchases and returns");
    public static final Operator OUTCOMES = new Operator("outcomes", "Outcomes: decisions x purchases (keyed by user)");
    public static final Operator OUTCOMES_SINK = new Operator("outcomes-sink", "Kafka: outcomes (exactly-once)");

    // Search outcomes job (also uses the clickstream source and dead-letter operators above)
    public static final Operator SEARCH_OUTCOMES = new Operator("search-outcomes",
            "Search outcomes: result lists x clicks and purchases (keyed by user)");
    public static final Operator SEARCH_OUTCOMES_SINK = new Operator("search-outcomes-sink",
            "Kafka: search-outcomes (exactly-once)");

    // Monitor job
    public static final Operator MONITOR_DECISIONS_SOURCE = new Operator("monitor-decisions-source", "Kafka: decisions");
    public static final Operator MONITOR_OUTCOMES_SOURCE = new Operator("monitor-outcomes-source", "Kafka: outcomes (read_committed)");
    public static final Operator MONITOR_MODEL_UPDATES_SOURCE = new Operator("monitor-model-updates-source", "Kafka: model-updates");
    public static final Operator MONITOR_REFERENCES = new Operator("monitor-reference-fetch", "Registry: version descriptors (async)");
    public static final Operator MONITOR_GROUP_WINDOWS = new Operator("monitor-group-windows",
            "Windows per version and user group (keyed by model/version/group)");
    public static final Operator MONITOR_MODEL_HEALTH = new Operator("monitor-model-health",
            "Drift, quality, comparison, triggers (keyed by model)");
    public static final Operator MODEL_HEALTH_SINK = new Operator("model-health-sink", "Kafka: model-health");
    public static final Operator RETRAIN_REQUESTS_SINK = new Operator("retrain-requests-sink", "Retrain requests");
}
