package dev.flywheel.jobs.analytics;

import java.util.HashMap;
import java.util.Map;

/**
 * One shard's totals for one minute, sessions already counted. Shards partition users and a session
 * belongs to one user, so distinct session counts of different shards simply add up.
 */
public class MinutePartial {
    public long windowStart;
    public long windowEnd;
    public long[] eventsByType;
    public long sessions;
    public long buyingSessions;
    public double revenue;
    public double refunds;
    public long unitsSold;
    public Map<String, Long> categoryEvents = new HashMap<>();

    public MinutePartial() {
    }

    static MinutePartial of(long windowStart, long windowEnd, MinuteStats stats) {
        MinutePartial partial = new MinutePartial();
        partial.windowStart = windowStart;
        partial.windowEnd = windowEnd;
        partial.eventsByType = stats.eventsByType.clone();
        partial.sessions = stats.sessions.size();
        partial.buyingSessions = stats.buyingSessions.size();
        partial.revenue = stats.revenue;
        partial.refunds = stats.refunds;
        partial.unitsSold = stats.unitsSold;
        partial.categoryEvents = new HashMap<>(stats.categoryEvents);
        return partial;
    }

    /** Adds two partials of the same minute into a new one; inputs are left untouched. */
    static MinutePartial sum(MinutePartial a, MinutePartial b) {
        MinutePartial total = new MinutePartial();
        total.windowStart = a.windowStart;
        total.windowEnd = a.windowEnd;
        total.eventsByType = a.eventsByType.clone();
        for (int i = 0; i < total.eventsByType.length; i++) {
            total.eventsByType[i] += b.eventsByType[i];
        }
        total.sessions = a.sessions + b.sessions;
        total.buyingSessions = a.buyingSessions + b.buyingSessions;
        total.revenue = a.revenue + b.revenue;
        total.refunds = a.refunds + b.refunds;
        total.unitsSold = a.unitsSold + b.unitsSold;
        total.categoryEvents = new HashMap<>(a.categoryEvents);
        b.categoryEvents.forEach((category, n) -> total.categoryEvents.merge(category, n, Long::sum));
        return total;
    }
}
