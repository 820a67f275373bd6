package dev.flywheel.features;

import dev.flywheel.events.EventType;
import java.util.Arrays;
import java.util.Objects;

/**
 * The features of one event, in the order of {@link FeatureSpec#names()} of {@code specVersion}.
 *
 * @param eventId     the event the vector belongs to
 * @param userId      its user
 * @param eventType   its type
 * @param eventTime   its event time, epoch milliseconds
 * @param specVersion the {@link FeatureSpec#version()} the values follow
 * @param values      one value per feature, in spec order
 */
public record FeatureVector(String eventId, String userId, EventType eventType, long eventTime, int specVersion,
        double[] values) {

    public FeatureVector {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(values, "values");
    }

    /** The value of a feature by name, under the current spec. */
    public double value(String name) {
        int index = FeatureSpec.current().indexOf(name);
        if (index < 0) {
            throw new IllegalArgumentException("no feature " + name + " in spec " + FeatureSpec.current().version());
        }
        return values[index];
    }

    // A record compares arrays by reference; vectors are compared by content.
    @Override
    public boolean equals(Object other) {
        return other instanceof FeatureVector that
                && eventId.equals(that.eventId) && userId.equals(that.userId) && eventType == that.eventType
                && eventTime == that.eventTime && specVersion == that.specVersion
                && Arrays.equals(values, that.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventId, userId, eventType, eventTime, specVersion, Arrays.hashCode(values));
    }

    @Override
    public String toString() {
        return "FeatureVector[" + eventId + ", " + userId + ", " + eventType.wireName() + ", " + eventTime
                + ", v" + specVersion + ", " + Arrays.toString(values) + "]";
    }
}
