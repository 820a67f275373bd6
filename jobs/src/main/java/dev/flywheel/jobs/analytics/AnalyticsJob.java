package dev.flywheel.jobs.analytics;

import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.jobs.FlinkSettings;
import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import dev.flywheel.jobs.KafkaConnectors;
import dev.flywheel.jobs.Operator;
import dev.flywheel.jobs.events.ShopperEventTypeInfo;
import dev.flywheel.jobs.ingest.CountLateEvents;
import dev.flywheel.jobs.ingest.DeadLetterRecordSerializer;
import dev.flywheel.jobs.ingest.EventRecordSerializer;
import dev.flywheel.jobs.ingest.Clickstream;
import dev.flywheel.jobs.ingest.ParsingDeserializer;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.types.Either;
import org.apache.flink.util.OutputTag;

/**
 * Live shop analytics: the first job of the loop, useful before any model exists.
 *
 * <pre>
 * clickstream -> parse + validate, watermarks per partition --invalid--> clickstream.dlq
 *             -> keyBy(user shard) -> 1-minute window: partial totals --late--> clickstream.late
 *             -> keyBy(minute)     -> 1-minute window: funnel, sessions, conversion, revenue, top categories
 *             -> analytics
 * </pre>
 *
 * Two stages because a minute's totals are one record: the first spreads the work over user shards
 * (distinct sessions are exact per shard since a session belongs to one user), the second adds up
 * the shards. Sources and sinks are passed in; {@link #main} picks the Kafka ones.
 */
public final class AnalyticsJob {

    static final OutputTag<ShopperEvent> LATE_EVENTS = new OutputTag<>("late-events", ShopperEventTypeInfo.INSTANCE);

    private final AnalyticsConfig config;
    private final Source<Either<DeadLetter, ShopperEvent>, ?, ?> clickstream;
    private final Sink<MinuteAnalytics> analytics;
    private final Sink<DeadLetter> deadLetters;
    private final Sink<ShopperEvent> lateEvents;

    public AnalyticsJob(AnalyticsConfig config, Source<Either<DeadLetter, ShopperEvent>, ?, ?> clickstream, Sink<MinuteAnalytics> analytics,
            Sink<DeadLetter> deadLetters, Sink<ShopperEvent> lateEvents) {
        this.config = config;
        this.clickstream = clickstream;
        this.analytics = analytics;
        this.deadLetters = deadLetters;
        this.lateEvents = lateEvents;
    }

    /** The job wired to Kafka topics named by the configuration. */
    public static AnalyticsJob onKafka(AnalyticsConfig config) {
        KafkaConnectors kafka = new KafkaConnectors(config.job().kafka(), "flywheel-analytics");
        return new AnalyticsJob(config,
                kafka.source(config.job().clickstreamTopic(), new ParsingDeserializer(config.job().maxPayloadBytes())),
                kafka.sink(new MinuteAnalyticsRecordSerializer(config.analyticsTopic()), "analytics"),
                kafka.sink(new DeadLetterRecordSerializer(config.job().deadLetterTopic()), "dlq"),
                kafka.sink(new EventRecordSerializer(config.job().lateTopic()), "late"));
    }

    public void build(StreamExecutionEnvironment env) {
        FlinkSettings.apply(env, config.job());

        SingleOutputStreamOperator<ShopperEvent> events = Clickstream.events(env, clickstream, config.job(), deadLetters);

        int shards = config.shards();
        SingleOutputStreamOperator<MinutePartial> partials = events
                .keyBy(event -> Math.floorMod(event.userId().hashCode(), shards), TypeInformation.of(Integer.class))
                .window(TumblingEventTimeWindows.of(config.window()))
                .sideOutputLateData(LATE_EVENTS)
                .aggregate(new MinuteStatsAggregate(), new ToMinutePartial(),
                        TypeInformation.of(MinuteStats.class), TypeInformation.of(MinuteStats.class),
                        TypeInformation.of(MinutePartial.class))
                .uid(Operator.MINUTE_PARTIALS.uid()).name(Operator.MINUTE_PARTIALS.name());

        partials.getSideOutput(LATE_EVENTS)
                .map(new CountLateEvents(), ShopperEventTypeInfo.INSTANCE)
                .uid(Operator.COUNT_LATE.uid()).name(Operator.COUNT_LATE.name())
                .sinkTo(lateEvents).uid(Operator.LATE_EVENT_SINK.uid()).name(Operator.LATE_EVENT_SINK.name());

        partials
                .keyBy(partial -> partial.windowStart, TypeInformation.of(Long.class))
                .window(TumblingEventTimeWindows.of(config.window()))
                .reduce(MinutePartial::sum, new ToMinuteAnalytics(config.topCategories()),
                        TypeInformation.of(MinuteAnalytics.class))
                .uid(Operator.MINUTE_ANALYTICS.uid()).name(Operator.MINUTE_ANALYTICS.name())
                .sinkTo(analytics).uid(Operator.ANALYTICS_SINK.uid()).name(Operator.ANALYTICS_SINK.name());
    }

    public static void main(String[] args) throws Exception {
        AnalyticsConfig config;
        try {
            config = AnalyticsConfig.fromArgs(args);
        } catch (InvalidJobArgumentException e) {
            System.err.println("flywheel-analytics: " + e.getMessage());
            System.exit(2);
            return;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        onKafka(config).build(env);
        env.execute("flywheel-analytics");
    }
}
