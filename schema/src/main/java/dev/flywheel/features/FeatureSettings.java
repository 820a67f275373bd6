package dev.flywheel.features;

import java.io.Serializable;
import java.time.Duration;

/**
 * The choices an operator may make without changing the spec's names: they change values, so the
 * online job and an offline replay meant to match it must use the same settings.
 *
 * @param topCategories how many categories a user's affinity keeps (K)
 * @param stateTtl      a user or item silent this long in event time is forgotten: its next event
 *                      starts from empty state, and the online job has already deleted the state
 */
public record FeatureSettings(int topCategories, Duration stateTtl) implements Serializable {

    public FeatureSettings {
        if (topCategories < 1) {
            throw new IllegalArgumentException("top categories must be at least 1, got " + topCategories);
        }
        // A TTL shorter than a session would forget a user in the middle of their session.
        if (stateTtl.compareTo(FeatureSpec.SESSION_GAP) < 0) {
            throw new IllegalArgumentException("state TTL must be at least the session gap " + FeatureSpec.SESSION_GAP
                    + ", got " + stateTtl);
        }
    }

    public static FeatureSettings defaults() {
        return new FeatureSettings(FeatureSpec.DEFAULT_TOP_CATEGORIES, Duration.ofDays(30));
    }

    public long stateTtlMillis() {
        return stateTtl.toMillis();
    }
}
