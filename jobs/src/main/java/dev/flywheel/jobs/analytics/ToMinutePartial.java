package dev.flywheel.jobs.analytics;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Stamps a shard's minute totals with the minute they belong to and counts its sessions. */
final class ToMinutePartial extends ProcessWindowFunction<MinuteStats, MinutePartial, Integer, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(Integer shard, Context context, Iterable<MinuteStats> stats, Collector<MinutePartial> out) {
        TimeWindow window = context.window();
        for (MinuteStats s : stats) {
            out.collect(MinutePartial.of(window.getStart(), window.getEnd(), s));
        }
    }
}
