package dev.flywheel.features;

/**
 * What the keyed-by-item stage knows about an event's item, written into the event's vector there.
 *
 * @param popularity1h     decayed interactions, half-life 1 h
 * @param popularity1d     decayed interactions, half-life 1 d
 * @param conversionRate7d decayed purchases / (decayed views and clicks + 1), half-life 7 d
 * @param price            this event's price, else the item's last known price; 0 when unknown
 * @param peerLooks7d      decayed looks at the item by sessions with a price level, before this event
 * @param peerLogPrice     those sessions' mean {@code session_log_price_mean}; 0 when {@code peerLooks7d} is 0
 */
public record ItemFeatures(double popularity1h, double popularity1d, double conversionRate7d, double price,
                           double peerLooks7d, double peerLogPrice) {

    /** For events about no item (searches). */
    public static final ItemFeatures NONE = new ItemFeatures(0, 0, 0, 0, 0, 0);

    private static final FeatureSpec SPEC = FeatureSpec.current();
    private static final int POPULARITY_1H = SPEC.indexOf("item_popularity_1h");
    private static final int POPULARITY_1D = SPEC.indexOf("item_popularity_1d");
    private static final int CONVERSION = SPEC.indexOf("item_conversion_rate_7d");
    private static final int PRICE = SPEC.indexOf("item_price");
    private static final int PRICE_VS_USER = SPEC.indexOf("item_price_vs_user_spend");
    private static final int PEER_LOOKS = SPEC.indexOf("item_peer_looks_7d");
    private static final int PRICE_VS_PEERS = SPEC.indexOf("item_price_vs_peers");
    private static final int SESSION_VS_PEERS = SPEC.indexOf("session_price_vs_item_peers");

    /** Without the peers' price level: for tests of the version-1 item features. */
    public ItemFeatures(double popularity1h, double popularity1d, double conversionRate7d, double price) {
        this(popularity1h, popularity1d, conversionRate7d, price, 0, 0);
    }

    /**
     * Writes the item family into a vector whose user features are filled in (the session's price
     * level among them).
     *
     * @param usualUnitPrice the user's {@link UserState#usualUnitPrice()}, 0 when unknown
     */
    public void writeInto(double[] features, double usualUnitPrice) {
        features[POPULARITY_1H] = popularity1h;
        features[POPULARITY_1D] = popularity1d;
        features[CONVERSION] = conversionRate7d;
        features[PRICE] = price;
        features[PRICE_VS_USER] = price > 0 && usualUnitPrice > 0 ? price / usualUnitPrice : 1;
        features[PEER_LOOKS] = peerLooks7d;
        boolean peers = peerLooks7d > 0;
        features[PRICE_VS_PEERS] = peers && price > 0 ? StrictMath.log(price) - peerLogPrice : 0;
        features[SESSION_VS_PEERS] = peers && features[UserState.SESSION_PRICED_LOOKS] > 0
                ? features[UserState.SESSION_LOG_PRICE_MEAN] - peerLogPrice : 0;
    }
}
