package dev.flywheel.jobs.analytics;

import dev.flywheel.events.EventType;
import dev.flywheel.events.ShopperEvent;
import java.util.HashMap;
import java.util.Map;

/**
 * Running totals for one minute of one shard of users: the window accumulator. Sessions are kept
 * as a set (map to true: Flink serialises maps natively, sets it does not) because they are
 * counted distinct; everything else is a sum.
 */
public class MinuteStats {
    public long[] eventsByType = new long[EventType.values().length];
    public Map<String, Boolean> sessions = new HashMap<>();
    public Map<String, Boolean> buyingSessions = new HashMap<>();
    public double revenue;
    public double refunds;
    public long unitsSold;
    public Map<String, Long> categoryEvents = new HashMap<>();

    public MinuteStats() {
    }

    void add(ShopperEvent event) {
        eventsByType[event.type().ordinal()]++;
        // A session id is only unique per user, so the user is part of the session's identity.
        String session = event.userId() + '\u0000' + event.sessionId();
        sessions.put(session, Boolean.TRUE);
        if (event instanceof ShopperEvent.ItemEvent item) {
            categoryEvents.merge(item.category(), 1L, Long::sum);
        }
        if (event instanceof ShopperEvent.Purchase purchase) {
            buyingSessions.put(session, Boolean.TRUE);
            unitsSold += purchase.quantity();
            if (purchase.price() != null) {
                revenue += purchase.price() * purchase.quantity();
            }
        } else if (event instanceof ShopperEvent.Return returned && returned.price() != null) {
            refunds += returned.price() * returned.quantity();
        }
    }

    MinuteStats merge(MinuteStats other) {
        for (int i = 0; i < eventsByType.length; i++) {
            eventsByType[i] += other.eventsByType[i];
        }
        sessions.putAll(other.sessions);
        buyingSessions.putAll(other.buyingSessions);
        revenue += other.revenue;
        refunds += other.refunds;
        unitsSold += other.unitsSold;
        other.categoryEvents.forEach((category, n) -> categoryEvents.merge(category, n, Long::sum));
        return this;
    }
}
