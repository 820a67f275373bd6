package dev.flywheel.jobs.ingest;

import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.ShopperEvent;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Events continue; dead letters leave through {@link #DEAD_LETTERS}. */
public final class RouteDeadLetters extends ProcessFunction<Either<DeadLetter, ShopperEvent>, ShopperEvent> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    @Override
    public void processElement(Either<DeadLetter, ShopperEvent> parsed, Context ctx, Collector<ShopperEvent> out) {
        if (parsed.isRight()) {
            out.collect(parsed.right());
        } else {
            ctx.output(DEAD_LETTERS, parsed.left());
        }
    }
}
