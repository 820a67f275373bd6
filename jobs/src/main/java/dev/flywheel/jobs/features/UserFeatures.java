package dev.flywheel.jobs.features;

import java.util.Arrays;

/**
 * What the user stage hands the item stage with an event: the event's vector with the user and
 * session features filled in, and the user's usual unit price, which the item stage compares the
 * item's price with.
 *
 * @param values         the vector in spec order; the item family is still to be written
 * @param usualUnitPrice {@link dev.flywheel.features.UserState#usualUnitPrice()}, 0 when unknown
 */
public record UserFeatures(double[] values, double usualUnitPrice) {

    // A record compares arrays by reference; these are compared by content.
    @Override
    public boolean equals(Object other) {
        return other instanceof UserFeatures that && Arrays.equals(values, that.values)
                && Double.compare(usualUnitPrice, that.usualUnitPrice) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(values) + Double.hashCode(usualUnitPrice);
    }

    @Override
    public String toString() {
        return "UserFeatures[" + Arrays.toString(values) + ", usual unit price " + usualUnitPrice + "]";
    }
}
