package dev.flywheel.jobs.scoring;

import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.jobs.FlinkSettings;
import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import dev.flywheel.jobs.KafkaConnectors;
import dev.flywheel.jobs.Operator;
import dev.flywheel.jobs.features.FeatureTypes;
import dev.flywheel.jobs.features.FeatureVectorRecordSerializer;
import dev.flywheel.jobs.features.EventTimeOrderedOperator;
import dev.flywheel.jobs.features.ItemFeatureOperator;
import dev.flywheel.jobs.features.UserFeatureOperator;
import dev.flywheel.jobs.ingest.DeadLetterRecordSerializer;
import dev.flywheel.jobs.ingest.EventRecordSerializer;
import dev.flywheel.jobs.ingest.Clickstream;
import dev.flywheel.jobs.ingest.ParsingDeserializer;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;

/**
 * The scoring job. For now its pipeline is the feature stage; inline model scoring comes next.
 *
 * <pre>
 * clickstream -> parse + validate, watermarks per partition --invalid--> clickstream.dlq
 *             -> keyBy(item)  item features (popularity, conversion, price) --late--> clickstream.late
 *             -> keyBy(user)  user and session features --late (after an idle input)--> clickstream.late
 *             -> features
 * </pre>
 *
 * Both keyed stages apply events in event-time order once the watermark passes them, so the
 * vectors equal those of {@link dev.flywheel.features.OfflineFeatureReplay} over the same events.
 */
public final class ScoringJob {

    private final ScoringConfig config;
    private final Source<Either<DeadLetter, ShopperEvent>, ?, ?> clickstream;
    private final Sink<FeatureVector> features;
    private final Sink<DeadLetter> deadLetters;
    private final Sink<ShopperEvent> lateEvents;

    public ScoringJob(ScoringConfig config, Source<Either<DeadLetter, ShopperEvent>, ?, ?> clickstream,
            Sink<FeatureVector> features, Sink<DeadLetter> deadLetters, Sink<ShopperEvent> lateEvents) {
        this.config = config;
        this.clickstream = clickstream;
        this.features = features;
        this.deadLetters = deadLetters;
        this.lateEvents = lateEvents;
    }

    /** The job wired to Kafka topics named by the configuration. */
    public static ScoringJob onKafka(ScoringConfig config) {
        KafkaConnectors kafka = new KafkaConnectors(config.job().kafka(), "flywheel-scoring");
        return new ScoringJob(config,
                kafka.source(config.job().clickstreamTopic(), new ParsingDeserializer(config.job().maxPayloadBytes())),
                kafka.sink(new FeatureVectorRecordSerializer(config.featuresTopic()), "features"),
                kafka.sink(new DeadLetterRecordSerializer(config.job().deadLetterTopic()), "dlq"),
                kafka.sink(new EventRecordSerializer(config.job().lateTopic()), "late"));
    }

    public void build(StreamExecutionEnvironment env) {
        FlinkSettings.apply(env, config.job());

        SingleOutputStreamOperator<ShopperEvent> events = Clickstream.events(env, clickstream, config.job(), deadLetters);

        var withItemFeatures = events
                .keyBy(ItemFeatureOperator::key, Types.STRING)
                .transform(Operator.ITEM_FEATURES.name(), FeatureTypes.EVENT_WITH_ITEM,
                        new ItemFeatureOperator(config.features()))
                .uid(Operator.ITEM_FEATURES.uid()).name(Operator.ITEM_FEATURES.name());

        SingleOutputStreamOperator<FeatureVector> vectors = withItemFeatures
                .keyBy(pair -> pair.f0.userId(), Types.STRING)
                .transform(Operator.USER_FEATURES.name(), FeatureTypes.FEATURE_VECTOR,
                        new UserFeatureOperator(config.features()))
                .uid(Operator.USER_FEATURES.uid()).name(Operator.USER_FEATURES.name());

        vectors.sinkTo(features).uid(Operator.FEATURES_SINK.uid()).name(Operator.FEATURES_SINK.name());

        withItemFeatures.getSideOutput(EventTimeOrderedOperator.LATE_EVENTS)
                .union(vectors.getSideOutput(EventTimeOrderedOperator.LATE_EVENTS))
                .sinkTo(lateEvents).uid(Operator.LATE_EVENT_SINK.uid()).name(Operator.LATE_EVENT_SINK.name());
    }

    public static void main(String[] args) throws Exception {
        ScoringConfig config;
        try {
            config = ScoringConfig.fromArgs(args);
        } catch (InvalidJobArgumentException e) {
            System.err.println("flywheel-scoring: " + e.getMessage());
            System.exit(2);
            return;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        onKafka(config).build(env);
        env.execute("flywheel-scoring");
    }
}
