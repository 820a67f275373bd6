package dev.flywheel.jobs.ingest;

import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.Decoded;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.RejectReason;
import dev.flywheel.events.ShopperEvent;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Raw records in, typed events out. A record the codec refuses goes to {@link #DEAD_LETTERS} with
 * its bytes, its source coordinates and the reason; nothing is thrown and nothing is dropped.
 *
 * <p>Metrics: {@code eventsAccepted}, {@code eventsRejected}, and one {@code eventsRejected}
 * counter per reason under the group {@code reason=<code>}.
 */
public final class ParseEvents extends ProcessFunction<SourceRecord, ShopperEvent> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    private final int maxPayloadBytes;
    private transient EventCodec codec;
    private transient Clock clock;
    private transient Counter accepted;
    private transient Counter rejected;
    private transient Map<RejectReason, Counter> rejectedByReason;

    public ParseEvents(int maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
    }

    @Override
    public void open(OpenContext context) {
        clock = Clock.systemUTC();
        codec = new EventCodec(clock, maxPayloadBytes);
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        accepted = metrics.counter("eventsAccepted");
        rejected = metrics.counter("eventsRejected");
        rejectedByReason = new EnumMap<>(RejectReason.class);
        for (RejectReason reason : RejectReason.values()) {
            rejectedByReason.put(reason, metrics.addGroup("reason", reason.code()).counter("eventsRejected"));
        }
    }

    @Override
    public void processElement(SourceRecord record, Context ctx, Collector<ShopperEvent> out) {
        byte[] payload = record.value() == null ? new byte[0] : record.value();
        Decoded decoded = codec.decode(payload);
        if (decoded instanceof Decoded.Accepted ok) {
            accepted.inc();
            out.collect(ok.event());
        } else if (decoded instanceof Decoded.Rejected bad) {
            rejected.inc();
            rejectedByReason.get(bad.reason()).inc();
            ctx.output(DEAD_LETTERS, new DeadLetter(bad.reason().code(), bad.detail(), record.topic(),
                    record.partition(), record.offset(), record.timestamp(), record.key(), payload,
                    clock.millis()));
        }
    }
}
