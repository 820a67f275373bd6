package dev.flywheel.jobs.analytics;

import dev.flywheel.events.ShopperEvent;
import org.apache.flink.api.common.functions.AggregateFunction;

/** Folds one shard's events of one minute into {@link MinuteStats}. */
final class MinuteStatsAggregate implements AggregateFunction<ShopperEvent, MinuteStats, MinuteStats> {
    private static final long serialVersionUID = 1L;

    @Override
    public MinuteStats createAccumulator() {
        return new MinuteStats();
    }

    @Override
    public MinuteStats add(ShopperEvent event, MinuteStats stats) {
        stats.add(event);
        return stats;
    }

    @Override
    public MinuteStats getResult(MinuteStats stats) {
        return stats;
    }

    @Override
    public MinuteStats merge(MinuteStats a, MinuteStats b) {
        return a.merge(b);
    }
}
