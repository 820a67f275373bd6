package dev.flywheel.outcomes;

import dev.flywheel.events.ShopperEvent;
import java.io.Serializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a decision is judged by: did its user make a purchase <b>strictly after</b> the decided
 * event and at most one attribution window later? The scoring job's outcome stage labels every
 * decision with this rule online; training on history labels events with {@link #labels}; both
 * read the same window, so a label is the same whichever path made it.
 *
 * <p>"Strictly after" because purchase lines of one order share a timestamp: the second line of an
 * order must not be labelled by the first. An event in the last window of a finite stream is
 * censored (its purchase may come after the stream ends); callers evaluating on history leave those
 * out.
 *
 * @param window how long after an event a purchase still counts for it
 */
public record Attribution(Duration window) implements Serializable {
    /** The window the purchase-propensity model is trained and judged on. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(30);

    public Attribution {
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("the attribution window must be positive, got " + window);
        }
    }

    public static Attribution defaults() {
        return new Attribution(DEFAULT_WINDOW);
    }

    public long windowMillis() {
        return window.toMillis();
    }

    /** Whether a purchase at {@code purchaseTime} counts for an event at {@code eventTime}. */
    public boolean attributes(long eventTime, long purchaseTime) {
        return purchaseTime > eventTime && purchaseTime - eventTime <= window.toMillis();
    }

    /** The event time at which an event's label is final: no later purchase can change it. */
    public long closesAt(long eventTime) {
        return eventTime + window.toMillis();
    }

    /** Labels for events in event-time order (any order among equal times). */
    public boolean[] labels(List<? extends ShopperEvent> events) {
        long windowMillis = window.toMillis();
        boolean[] labels = new boolean[events.size()];
        // Scanning backwards: per user, the earliest purchase seen so far and the earliest one later than
        // it, because purchase lines of one order share a timestamp and "after" is strict.
        Map<String, long[]> nextPurchases = new HashMap<>();
        for (int i = events.size() - 1; i >= 0; i--) {
            ShopperEvent event = events.get(i);
            long ts = event.ts();
            long[] next = nextPurchases.get(event.userId());
            if (next != null) {
                long after = next[0] > ts ? next[0] : next[1];
                labels[i] = after != Long.MAX_VALUE && after - ts <= windowMillis;
            }
            if (event instanceof ShopperEvent.Purchase) {
                long[] updated = next == null ? new long[] {Long.MAX_VALUE, Long.MAX_VALUE} : next;
                if (ts < updated[0]) {
                    updated[1] = updated[0];
                    updated[0] = ts;
                }
                nextPurchases.put(event.userId(), updated);
            }
        }
        return labels;
    }
}
