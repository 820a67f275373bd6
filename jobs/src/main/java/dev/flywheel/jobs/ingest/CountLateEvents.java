package dev.flywheel.jobs.ingest;

import dev.flywheel.events.ShopperEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;

/** Counts events that arrived after the watermark passed their window ({@code events_late}), on their way out. */
public final class CountLateEvents extends RichMapFunction<ShopperEvent, ShopperEvent> {
    private static final long serialVersionUID = 1L;

    private transient Counter late;

    @Override
    public void open(OpenContext context) {
        late = getRuntimeContext().getMetricGroup().counter("events_late");
    }

    @Override
    public ShopperEvent map(ShopperEvent event) {
        late.inc();
        return event;
    }
}
