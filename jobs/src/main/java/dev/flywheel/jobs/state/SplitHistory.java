package dev.flywheel.jobs.state;

import dev.flywheel.events.ShopperEvent;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes a history file's events on and counts the lines that are none, logging the first few
 * with their line numbers: a bootstrap that silently skipped rows would start a job on features
 * its history does not support.
 */
final class SplitHistory extends ProcessFunction<Either<String, ShopperEvent>, ShopperEvent> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SplitHistory.class);
    static final String EVENTS = "events";
    static final String REJECTED = "rejected";
    private static final int LOGGED = 10;

    private transient LongCounter events;
    private transient LongCounter rejected;

    @Override
    public void open(OpenContext context) {
        events = getRuntimeContext().getLongCounter(EVENTS);
        rejected = getRuntimeContext().getLongCounter(REJECTED);
    }

    @Override
    public void processElement(Either<String, ShopperEvent> parsed, Context ctx, Collector<ShopperEvent> out) {
        if (parsed.isRight()) {
            events.add(1);
            out.collect(parsed.right());
        } else {
            if (rejected.getLocalValuePrimitive() < LOGGED) {
                LOG.warn("history line skipped: {}", parsed.left());
            }
            rejected.add(1);
        }
    }
}
