package dev.flywheel.jobs.analytics;

import dev.flywheel.events.EventType;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Turns the summed partials of a minute into the published {@link MinuteAnalytics} record. */
final class ToMinuteAnalytics extends ProcessWindowFunction<MinutePartial, MinuteAnalytics, Long, TimeWindow> {
    private static final long serialVersionUID = 1L;

    private final int topCategories;

    ToMinuteAnalytics(int topCategories) {
        this.topCategories = topCategories;
    }

    @Override
    public void process(Long minute, Context context, Iterable<MinutePartial> totals, Collector<MinuteAnalytics> out) {
        for (MinutePartial total : totals) {
            out.collect(toAnalytics(total, topCategories));
        }
    }

    static MinuteAnalytics toAnalytics(MinutePartial total, int topCategories) {
        Map<String, Long> funnel = new LinkedHashMap<>();
        long events = 0;
        for (EventType type : EventType.values()) {
            long n = total.eventsByType[type.ordinal()];
            funnel.put(type.wireName(), n);
            events += n;
        }
        // Ties broken by name so the same input always publishes the same record.
        List<MinuteAnalytics.CategoryCount> top = total.categoryEvents.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(topCategories)
                .map(e -> new MinuteAnalytics.CategoryCount(e.getKey(), e.getValue()))
                .toList();
        double conversion = total.sessions == 0 ? 0.0 : (double) total.buyingSessions / total.sessions;
        return new MinuteAnalytics(total.windowStart, total.windowEnd, events, funnel, total.sessions,
                total.buyingSessions, conversion, total.revenue, total.refunds, total.unitsSold, top);
    }
}
