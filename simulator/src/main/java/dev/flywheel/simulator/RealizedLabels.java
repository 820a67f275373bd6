package dev.flywheel.simulator;

import dev.flywheel.events.ShopperEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The label a propensity model is trained on, computed from observable events only: did this user
 * make a purchase within 30 minutes after this event (strictly after, at most 30 minutes)? Comparing
 * it with {@link SimulatedEvent#buyProbability30m()} checks the truth against what actually happened.
 */
public final class RealizedLabels {
    public static final long WINDOW_MS = SessionPlanner.WINDOW_MS;

    private RealizedLabels() {
    }

    /**
     * Labels for a time-ordered stream. Events in the last 30 minutes of the stream are censored (the
     * purchase may come after the stream ends); callers evaluating calibration should leave them out.
     */
    public static boolean[] boughtWithin30Minutes(List<ShopperEvent> events) {
        boolean[] labels = new boolean[events.size()];
        // Scanning backwards: per user, the earliest purchase seen so far and the earliest one later than it,
        // because purchase lines of one order share a timestamp and "after" is strict.
        Map<String, long[]> nextPurchases = new HashMap<>();
        for (int i = events.size() - 1; i >= 0; i--) {
            ShopperEvent event = events.get(i);
            long ts = event.ts();
            long[] next = nextPurchases.get(event.userId());
            if (next != null) {
                long after = next[0] > ts ? next[0] : next[1];
                labels[i] = after != Long.MAX_VALUE && after - ts <= WINDOW_MS;
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
