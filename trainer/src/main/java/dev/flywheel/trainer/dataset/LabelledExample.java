package dev.flywheel.trainer.dataset;

import java.util.Arrays;
import java.util.Objects;

/**
 * One training row: what serving saw, and what happened next.
 *
 * @param eventId   the event the features were computed at
 * @param features  the feature vector in the feature spec's order
 * @param purchased whether this user purchased within 30 minutes after the event (strictly after)
 * @param eventTime event time of the scored event, epoch milliseconds
 * @param truth     the exact purchase probability where a simulator knows it, NaN on live data
 */
public record LabelledExample(String eventId, double[] features, boolean purchased, long eventTime, double truth) {

    public LabelledExample {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(features, "features");
    }

    public boolean hasTruth() {
        return !Double.isNaN(truth);
    }

    // A record compares arrays by reference; examples are compared by content.
    @Override
    public boolean equals(Object other) {
        return other instanceof LabelledExample that && eventId.equals(that.eventId) && purchased == that.purchased
                && eventTime == that.eventTime && Double.compare(truth, that.truth) == 0
                && Arrays.equals(features, that.features);
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventId, purchased, eventTime, truth, Arrays.hashCode(features));
    }

    @Override
    public String toString() {
        return "LabelledExample[" + eventId + ", " + purchased + ", " + eventTime + ", " + Arrays.toString(features) + "]";
    }
}
