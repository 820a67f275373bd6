package dev.flywheel.jobs.analytics;

import java.util.List;
import java.util.Map;

/**
 * What the shop did in one minute of event time, as written to the {@code analytics} topic.
 *
 * @param windowStart    start of the minute, epoch ms (inclusive)
 * @param windowEnd      end of the minute, epoch ms (exclusive)
 * @param events         all valid events in the minute
 * @param eventsByType   the funnel: events per type, by wire name, every type present
 * @param sessions       distinct (user, session) pairs active in the minute
 * @param buyingSessions of those, the ones with a purchase in the minute
 * @param conversionRate buyingSessions / sessions (0 when there were none)
 * @param revenue        sum of price x quantity over purchases with a known price
 * @param refunds        the same over returns
 * @param unitsSold      sum of purchased quantities, priced or not
 * @param topCategories  categories with the most item events, most first
 */
public record MinuteAnalytics(
        long windowStart,
        long windowEnd,
        long events,
        Map<String, Long> eventsByType,
        long sessions,
        long buyingSessions,
        double conversionRate,
        double revenue,
        double refunds,
        long unitsSold,
        List<CategoryCount> topCategories) {

    public record CategoryCount(String category, long events) {
    }
}
