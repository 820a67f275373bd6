package dev.flywheel.simulator;

import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Pumps wire records into a sink at a pace, reporting progress about once a second. The one entry
 * point for the CLI, the local stack and integration tests:
 *
 * <pre>{@code
 * var stream = new SimulatedClickstream(new ShopSimulator(SimulatorConfig.defaults(42)), 100_000, 0.01);
 * try (var producer = ClickstreamProducer.kafka("localhost:9092", Topics.CLICKSTREAM)) {
 *     producer.produce(stream, 0, progress -> { });
 * }
 * RecordCounts sent = stream.counts();
 * }</pre>
 */
public final class ClickstreamProducer implements AutoCloseable {

    /**
     * @param sent            records handed to the sink so far
     * @param malformed       of which malformed
     * @param eventsPerSecond average rate since the start
     * @param eventTimeMs     event time of the last record (the simulated clock)
     */
    public record Progress(long sent, long malformed, double eventsPerSecond, long eventTimeMs, Duration elapsed) {
    }

    private static final long PROGRESS_EVERY_NANOS = 1_000_000_000L;

    private final RecordSink sink;

    public ClickstreamProducer(RecordSink sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    public static ClickstreamProducer kafka(String bootstrapServers, String topic) {
        return new ClickstreamProducer(new KafkaRecordSink(bootstrapServers, topic));
    }

    /** Sends at {@code eventsPerSecond} (0: as fast as possible) until {@code records} ends; then flushes. */
    public Progress produce(Iterator<KeyedRecord> records, double eventsPerSecond, Consumer<Progress> progress) {
        return produce(records, Pacing.eventsPerSecond(eventsPerSecond), null, progress);
    }

    /**
     * Sends until {@code records} ends or {@code wallLimit} (null: none) has passed, then flushes so
     * that everything sent is delivered. Calls {@code progress} about once a second and once at the end.
     *
     * @return the final progress
     */
    public Progress produce(Iterator<KeyedRecord> records, Pacing pacing, Duration wallLimit,
                            Consumer<Progress> progress) {
        long start = System.nanoTime();
        long deadline = wallLimit == null ? Long.MAX_VALUE : start + wallLimit.toNanos();
        long nextReport = start + PROGRESS_EVERY_NANOS;
        long sent = 0;
        long malformed = 0;
        long eventTime = 0;
        while (records.hasNext() && System.nanoTime() < deadline) {
            KeyedRecord record = records.next();
            pacing.awaitTurn(record);
            sink.send(record);
            sent++;
            malformed += record.malformed() ? 1 : 0;
            eventTime = record.eventTimeMs();
            long now = System.nanoTime();
            if (now >= nextReport) {
                progress.accept(progress(sent, malformed, eventTime, start, now));
                nextReport = now + PROGRESS_EVERY_NANOS;
            }
        }
        sink.flush();
        Progress done = progress(sent, malformed, eventTime, start, System.nanoTime());
        progress.accept(done);
        return done;
    }

    private static Progress progress(long sent, long malformed, long eventTime, long start, long now) {
        Duration elapsed = Duration.ofNanos(now - start);
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        return new Progress(sent, malformed, sent / seconds, eventTime, elapsed);
    }

    @Override
    public void close() {
        sink.close();
    }
}
