package dev.flywheel.jobs.ingest;

import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.jobs.JobOptions;
import dev.flywheel.jobs.Operator;
import dev.flywheel.jobs.events.ShopperEventTypeInfo;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;

/**
 * The first steps of every job that reads shopper events: the parsed clickstream with per-partition
 * event-time watermarks, its dead letters already on their way to their sink.
 */
public final class Clickstream {
    private Clickstream() {
    }

    /**
     * @param source records parsed inside the source (see {@link ParsingDeserializer}), so that
     *               watermarks are generated per Kafka partition
     */
    public static SingleOutputStreamOperator<ShopperEvent> events(StreamExecutionEnvironment env,
            Source<Either<DeadLetter, ShopperEvent>, ?, ?> source, JobOptions options, Sink<DeadLetter> deadLetters) {
        // Dead letters carry no event time and never move a watermark.
        SingleOutputStreamOperator<ShopperEvent> events = env
                .fromSource(source, WatermarkStrategy
                                .<Either<DeadLetter, ShopperEvent>>forBoundedOutOfOrderness(options.maxOutOfOrderness())
                                .withTimestampAssigner((parsed, recordTime) -> ParsingDeserializer.eventTime(parsed))
                                .withIdleness(options.idleness()),
                        Operator.CLICKSTREAM_SOURCE.name(), ParsingDeserializer.PARSED)
                .uid(Operator.CLICKSTREAM_SOURCE.uid())
                .process(new RouteDeadLetters(), ShopperEventTypeInfo.INSTANCE)
                .uid(Operator.ROUTE_DEAD_LETTERS.uid()).name(Operator.ROUTE_DEAD_LETTERS.name());

        events.getSideOutput(RouteDeadLetters.DEAD_LETTERS)
                .sinkTo(deadLetters).uid(Operator.DEAD_LETTER_SINK.uid()).name(Operator.DEAD_LETTER_SINK.name());
        return events;
    }
}
