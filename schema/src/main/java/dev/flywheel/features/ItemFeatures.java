package dev.flywheel.features;

/**
 * What the keyed-by-item stage knows about an event's item, handed to the user stage with the event.
 *
 * @param popularity1h     decayed interactions, half-life 1 h
 * @param popularity1d     decayed interactions, half-life 1 d
 * @param conversionRate7d decayed purchases / (decayed views and clicks + 1), half-life 7 d
 * @param price            this event's price, else the item's last known price; 0 when unknown
 */
public record ItemFeatures(double popularity1h, double popularity1d, double conversionRate7d, double price) {

    /** For events about no item (searches). */
    public static final ItemFeatures NONE = new ItemFeatures(0, 0, 0, 0);
}
