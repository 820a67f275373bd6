package dev.flywheel.features;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.AddToCart;
import dev.flywheel.events.ShopperEvent.AddToWishlist;
import dev.flywheel.events.ShopperEvent.Click;
import dev.flywheel.events.ShopperEvent.Purchase;
import dev.flywheel.events.ShopperEvent.View;

/**
 * Everything the feature layer keeps about one item: five numbers and a time (about 50 bytes
 * serialised). A Flink POJO, so it is checkpointed without Kryo; the online item stage and
 * {@link OfflineFeatureReplay} both call {@link #apply}.
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

    /**
     * Applies one event of this item and returns the item's features after it. Events are
     * expected in event-time order; an older one (out of order: events of many users reach an
     * item through different partitions) adds its interactions decayed by how much older it is,
     * exactly what they would have added in order, so the decayed sums do not depend on arrival
     * order (up to rounding). Its price is this event's price but does not replace the newest
     * known price.
     */
    public ItemFeatures apply(ShopperEvent.ItemEvent event, FeatureSettings settings) {
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
        return new ItemFeatures(popularity1h, popularity1d, purchases7d / (viewsAndClicks7d + 1), price);
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
    }
}
