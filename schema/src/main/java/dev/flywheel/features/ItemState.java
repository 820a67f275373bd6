package dev.flywheel.features;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.AddToCart;
import dev.flywheel.events.ShopperEvent.AddToWishlist;
import dev.flywheel.events.ShopperEvent.Click;
import dev.flywheel.events.ShopperEvent.Purchase;
import dev.flywheel.events.ShopperEvent.View;

/**
 * Everything the feature layer keeps about one item: seven numbers and a time (about 64 bytes
 * serialised). A Flink POJO, so it is checkpointed without Kryo; the online item stage and
 * {@link OfflineFeatureReplay} both call {@link #apply}.
 *
 * <p>Besides its own counters an item keeps the price level of the sessions that looked at it: a
 * category's price level shows in what its shoppers browse, so a session can be compared with the
 * others that looked at the same item without any per-category state (which would need a stage
 * keyed by category).
 */
public class ItemState {
    private static final long HOUR = FeatureSpec.HALF_LIVES.get(0).toMillis();
    private static final long DAY = FeatureSpec.HALF_LIVES.get(1).toMillis();
    private static final long WEEK = FeatureSpec.HALF_LIVES.get(2).toMillis();

    /** Event time the counters are decayed to; {@link UserState#NONE} for an item never seen. */
    public long lastEventTime = UserState.NONE;
    public double popularity1h;
    public double popularity1d;
    public double viewsAndClicks7d;
    public double purchases7d;
    /** 0 while the item never had a price. */
    public double lastPrice;
    /** Looks (views, clicks) by sessions with a price level, and the sum of those levels, decayed 7 d. */
    public double peerLooks7d;
    public double peerLogPriceSum7d;

    /**
     * Applies one event of this item and returns the item's features after it. Events are
     * expected in event-time order; an older one (out of order: events of many users reach an
     * item through different partitions) adds its interactions decayed by how much older it is,
     * exactly what they would have added in order, so the decayed sums do not depend on arrival
     * order (up to rounding). Its price is this event's price but does not replace the newest
     * known price.
     *
     * <p>A look (view or click) by a session with a price level ({@code session_priced_looks} &gt; 0
     * in {@code userFeatures}) adds that level to the item's peers, which the returned features
     * report as they were before it: the other sessions, not this one.
     *
     * @param userFeatures the event's vector with the user stage's features filled in
     */
    public ItemFeatures apply(ShopperEvent.ItemEvent event, double[] userFeatures, FeatureSettings settings) {
        long ts = event.ts();
        if (lastEventTime != UserState.NONE && ts - lastEventTime >= settings.stateTtlMillis()) {
            clear();
        }
        long age = 0;
        if (lastEventTime != UserState.NONE && ts > lastEventTime) {
            long gap = ts - lastEventTime;
            popularity1h *= Decay.factor(gap, HOUR);
            popularity1d *= Decay.factor(gap, DAY);
            double week = Decay.factor(gap, WEEK);
            viewsAndClicks7d *= week;
            purchases7d *= week;
            peerLooks7d *= week;
            peerLogPriceSum7d *= week;
        } else if (lastEventTime != UserState.NONE) {
            age = lastEventTime - ts;
        }
        boolean newest = age == 0;
        lastEventTime = Math.max(lastEventTime, ts);
        if (event instanceof View || event instanceof Click || event instanceof AddToCart
                || event instanceof AddToWishlist || event instanceof Purchase) {
            popularity1h += newest ? 1 : Decay.factor(age, HOUR);
            popularity1d += newest ? 1 : Decay.factor(age, DAY);
        }
        if (event instanceof View || event instanceof Click) {
            viewsAndClicks7d += newest ? 1 : Decay.factor(age, WEEK);
        } else if (event instanceof Purchase) {
            purchases7d += newest ? 1 : Decay.factor(age, WEEK);
        }
        double price = lastPrice;
        if (event.price() != null && event.price() > 0) {
            price = event.price();
            if (newest) {
                lastPrice = price;
            }
        }
        double peersBefore = peerLooks7d;
        double peerLevelBefore = peerLooks7d > 0 ? peerLogPriceSum7d / peerLooks7d : 0;
        if ((event instanceof View || event instanceof Click) && userFeatures[UserState.SESSION_PRICED_LOOKS] > 0) {
            double weight = newest ? 1 : Decay.factor(age, WEEK);
            peerLooks7d += weight;
            peerLogPriceSum7d += weight * userFeatures[UserState.SESSION_LOG_PRICE_MEAN];
        }
        return new ItemFeatures(popularity1h, popularity1d, purchases7d / (viewsAndClicks7d + 1), price,
                peersBefore, peerLevelBefore);
    }

    /** The features an item's state holds on its own, without an event: what {@link #featuresAt} gives. */
    public static final java.util.List<String> HELD_FEATURES = java.util.List.of("item_popularity_1h",
            "item_popularity_1d", "item_conversion_rate_7d", "item_price", "item_peer_looks_7d");

    /**
     * The {@link #HELD_FEATURES} as of {@code asOf}, in that order, without changing this state:
     * decayed to then, all 0 if the TTL has passed. {@code item_price} is the last known price.
     */
    public double[] featuresAt(long asOf, FeatureSettings settings) {
        if (lastEventTime == UserState.NONE || asOf - lastEventTime >= settings.stateTtlMillis()) {
            return new double[HELD_FEATURES.size()];
        }
        long gap = Math.max(0, asOf - lastEventTime);
        double week = Decay.factor(gap, WEEK);
        return new double[] {popularity1h * Decay.factor(gap, HOUR), popularity1d * Decay.factor(gap, DAY),
                purchases7d * week / (viewsAndClicks7d * week + 1), lastPrice, peerLooks7d * week};
    }

    /** Whether an event at {@code ts} is older than the newest one this item has applied. */
    public boolean isOutOfOrder(long ts) {
        return lastEventTime != UserState.NONE && ts < lastEventTime;
    }

    /** The event time at which this item is forgotten unless another event comes first. */
    public long expiresAt(FeatureSettings settings) {
        return lastEventTime + settings.stateTtlMillis();
    }

    private void clear() {
        lastEventTime = UserState.NONE;
        popularity1h = 0;
        popularity1d = 0;
        viewsAndClicks7d = 0;
        purchases7d = 0;
        lastPrice = 0;
        peerLooks7d = 0;
        peerLogPriceSum7d = 0;
    }
}
