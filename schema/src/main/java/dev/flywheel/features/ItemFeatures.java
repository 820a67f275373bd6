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

    private static final FeatureSpec SPEC = FeatureSpec.current();
    private static final int POPULARITY_1H = SPEC.indexOf("item_popularity_1h");
    private static final int POPULARITY_1D = SPEC.indexOf("item_popularity_1d");
    private static final int CONVERSION = SPEC.indexOf("item_conversion_rate_7d");
    private static final int PRICE = SPEC.indexOf("item_price");
    private static final int PRICE_VS_USER = SPEC.indexOf("item_price_vs_user_spend");

    /**
     * Writes the item family into a vector whose user features are filled in.
     *
     * @param usualUnitPrice the user's {@link UserState#usualUnitPrice()}, 0 when unknown
     */
    public void writeInto(double[] features, double usualUnitPrice) {
        features[POPULARITY_1H] = popularity1h;
        features[POPULARITY_1D] = popularity1d;
        features[CONVERSION] = conversionRate7d;
        features[PRICE] = price;
        features[PRICE_VS_USER] = price > 0 && usualUnitPrice > 0 ? price / usualUnitPrice : 1;
    }
}
