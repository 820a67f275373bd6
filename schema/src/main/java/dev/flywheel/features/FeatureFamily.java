package dev.flywheel.features;

/** What a feature describes; families group the spec table and the drift reports. */
public enum FeatureFamily {
    /** Time since the user last did something. */
    RECENCY,
    /** Exponentially decayed counts and sums of the user's actions. */
    FREQUENCY_MONETARY,
    /** The user's decayed interest per category, seen from the current event's category. */
    AFFINITY,
    /** The user's current session, which ends after 30 minutes of event-time inactivity. */
    SESSION,
    /** The item of the current event, from the keyed-by-item stage. */
    ITEM,
    /** The current event itself: its type and what it carries. */
    EVENT
}
