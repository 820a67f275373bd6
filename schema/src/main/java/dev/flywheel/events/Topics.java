package dev.flywheel.events;

/** Topic names shared by every job, service and consumer. */
public final class Topics {
    /** Shopper events as JSON, one per record, keyed by user id. */
    public static final String CLICKSTREAM = "clickstream";
    /** Records the codec refused: {@link DeadLetter} JSON with the original bytes and reason. */
    public static final String CLICKSTREAM_DLQ = "clickstream.dlq";
    /** Valid events that arrived after the watermark passed their window, as canonical event JSON. */
    public static final String CLICKSTREAM_LATE = "clickstream.late";
    /** Per-minute shop analytics, keyed by the minute's start. */
    public static final String ANALYTICS = "analytics";
    /** One feature vector per valid event ({@code FeatureVectorCodec} binary records), keyed by user id. */
    public static final String FEATURES = "features";
    /** One JSON record per model decision, keyed by user id ({@code dev.flywheel.decisions.DecisionJson}). */
    public static final String DECISIONS = "decisions";
    /**
     * Decisions joined with their labels once the attribution window closed, keyed by user id;
     * written exactly once (Kafka transactions): read it with {@code isolation.level=read_committed}.
     */
    public static final String OUTCOMES = "outcomes";
    /**
     * Served search result lists joined with the clicks and purchases that followed them, once the
     * attribution window closed: the search ranker's training rows ({@code dev.flywheel.outcomes.SearchOutcomeJson}),
     * keyed by user id, written exactly once (read with {@code isolation.level=read_committed}).
     */
    public static final String SEARCH_OUTCOMES = "search-outcomes";
    /**
     * Compacted. Key: model name; value: the model's complete serving configuration as
     * {@code dev.flywheel.models.ServingConfig} JSON. Read from the beginning to learn the current state.
     */
    public static final String MODEL_UPDATES = "model-updates";
    /**
     * Health reports per model version and window (drift, live quality, champion vs challenger) and
     * the release controller's moves, as JSON, keyed by model name.
     */
    public static final String MODEL_HEALTH = "model-health";

    private Topics() {
    }
}
