package dev.flywheel.jobs.ingest;

import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.Decoded;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.RejectReason;
import dev.flywheel.events.ShopperEvent;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.types.Either;

/**
 * Raw record in, typed event or dead letter out; never an exception. A dead letter keeps the
 * original bytes, the record's source coordinates and the codec's reason.
 *
 * <p>Metrics: {@code events_accepted}, {@code events_rejected}, and per reason
 * {@code reason.<code>.events_rejected}.
 */
public final class ClickstreamParser {
    private final EventCodec codec;
    private final Clock clock;
    private final Counter accepted;
    private final Counter rejected;
    private final Map<RejectReason, Counter> rejectedByReason = new EnumMap<>(RejectReason.class);

    public ClickstreamParser(int maxPayloadBytes, Clock clock, MetricGroup metrics) {
        this.clock = clock;
        this.codec = new EventCodec(clock, maxPayloadBytes);
        this.accepted = metrics.counter("events_accepted");
        this.rejected = metrics.counter("events_rejected");
        for (RejectReason reason : RejectReason.values()) {
            rejectedByReason.put(reason, metrics.addGroup("reason", reason.code()).counter("events_rejected"));
        }
    }

    /** Left: the record was refused; right: the event it holds. A null value is an empty payload. */
    public Either<DeadLetter, ShopperEvent> parse(String topic, int partition, long offset, long timestamp,
            byte[] key, byte[] value) {
        byte[] payload = value == null ? new byte[0] : value;
        Decoded decoded = codec.decode(payload);
        if (decoded instanceof Decoded.Accepted ok) {
            accepted.inc();
            return Either.Right(ok.event());
        }
        Decoded.Rejected bad = (Decoded.Rejected) decoded;
        rejected.inc();
        rejectedByReason.get(bad.reason()).inc();
        return Either.Left(new DeadLetter(bad.reason().code(), bad.detail(), topic, partition, offset, timestamp,
                key, payload, clock.millis()));
    }
}
