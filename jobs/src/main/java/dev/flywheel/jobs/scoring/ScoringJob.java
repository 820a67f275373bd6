package dev.flywheel.jobs.scoring;

import dev.flywheel.decisions.Decision;
import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.jobs.FlinkSettings;
import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import dev.flywheel.jobs.KafkaConnectors;
import dev.flywheel.jobs.Operator;
import dev.flywheel.jobs.features.FeatureTypes;
import dev.flywheel.jobs.features.FeatureVectorRecordSerializer;
import dev.flywheel.jobs.features.UserFeatureFunction;
import dev.flywheel.jobs.features.UserFeatures;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.jobs.ingest.Clickstream;
import dev.flywheel.jobs.ingest.DeadLetterRecordSerializer;
import dev.flywheel.jobs.ingest.ParsingDeserializer;
import dev.flywheel.jobs.outcomes.OutcomeFunction;
import dev.flywheel.jobs.outcomes.OutcomeRecordSerializer;
import dev.flywheel.jobs.serving.ArtifactSource;
import dev.flywheel.jobs.serving.ModelUpdate;
import dev.flywheel.jobs.serving.ModelUpdatesDeserializer;
import dev.flywheel.jobs.serving.ServingConfigWatermarks;
import dev.flywheel.jobs.serving.RegistryArtifacts;
import dev.flywheel.outcomes.Outcome;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;

/**
 * The scoring job: decide on arrival, measure what happened next.
 *
 * <pre>
 * clickstream -> parse + validate, watermarks per partition --invalid--> clickstream.dlq
 *             -> keyBy(user)  user + session features, on arrival
 *             -> keyBy(item)  item features, on arrival; score inline with ONNX  <-- model-updates (broadcast)
 *             -> decisions    (the vector each was scored on, with its spec version)
 *             -> keyBy(user)  outcomes: decision x the user's purchases, when the attribution window closes
 *             -> outcomes     (exactly-once)
 * </pre>
 *
 * Why this order: the clickstream is keyed by user, so a user stage right after the source sees
 * each user's events in the order they were written, and its features equal the offline replay's
 * without waiting for a watermark. Item features need every user's events of an item in one
 * place; that stage comes second, and since it already holds the complete vector, it is where the
 * models score. Only the outcome stage waits for the watermark, because a label needs every
 * purchase of its window.
 */
public final class ScoringJob {

    /** Where the job's results go. {@code features} may be null: then vectors travel only inside decisions. */
    public record Outputs(Sink<Decision> decisions, Sink<Outcome> outcomes, Sink<FeatureVector> features,
            Sink<DeadLetter> deadLetters) {
    }

    private final ScoringConfig config;
    private final Source<Either<DeadLetter, ShopperEvent>, ?, ?> clickstream;
    private final Source<ModelUpdate, ?, ?> modelUpdates;
    private final ArtifactSource artifacts;
    private final Outputs outputs;
    private UserStage userStage = UserFeatureFunction::new;

    /**
     * Makes the keyed-by-user stage's function. Only an upgrade test swaps it, for a version that
     * keeps more state under the same uid; the job itself always runs {@link UserFeatureFunction}.
     */
    @FunctionalInterface
    public interface UserStage extends java.io.Serializable {
        KeyedProcessFunction<String, ShopperEvent, Tuple2<ShopperEvent, UserFeatures>> create(FeatureSettings settings);
    }

    public ScoringJob(ScoringConfig config, Source<Either<DeadLetter, ShopperEvent>, ?, ?> clickstream,
            Source<ModelUpdate, ?, ?> modelUpdates, ArtifactSource artifacts, Outputs outputs) {
        this.config = config;
        this.clickstream = clickstream;
        this.modelUpdates = modelUpdates;
        this.artifacts = artifacts;
        this.outputs = outputs;
    }

    /** This job with another user-stage function: see {@link UserStage}. */
    public ScoringJob withUserStage(UserStage stage) {
        this.userStage = stage;
        return this;
    }

    /** The job wired to the Kafka topics and the registry named by the configuration. */
    public static ScoringJob onKafka(ScoringConfig config) {
        return onKafka(config, new ParsingDeserializer(config.job().maxPayloadBytes()));
    }

    /** As {@link #onKafka(ScoringConfig)}, parsing the clickstream with {@code parser}. */
    public static ScoringJob onKafka(ScoringConfig config,
            KafkaRecordDeserializationSchema<Either<DeadLetter, ShopperEvent>> parser) {
        KafkaConnectors kafka = new KafkaConnectors(config.job().kafka(), "flywheel-scoring");
        return new ScoringJob(config,
                kafka.source(config.job().clickstreamTopic(), parser),
                kafka.changelog(config.modelUpdatesTopic(), new ModelUpdatesDeserializer()),
                new RegistryArtifacts(config.registry(), config.registryToken()),
                new Outputs(
                        kafka.sink(new DecisionRecordSerializer(config.decisionsTopic()), "decisions"),
                        kafka.sink(new OutcomeRecordSerializer(config.outcomesTopic()), "outcomes",
                                DeliveryGuarantee.EXACTLY_ONCE),
                        config.featuresTopic() == null ? null
                                : kafka.sink(new FeatureVectorRecordSerializer(config.featuresTopic()), "features"),
                        kafka.sink(new DeadLetterRecordSerializer(config.job().deadLetterTopic()), "dlq")));
    }

    public void build(StreamExecutionEnvironment env) {
        FlinkSettings.apply(env, config.job());
        env.setBufferTimeout(config.bufferTimeout().toMillis());

        SingleOutputStreamOperator<ShopperEvent> events =
                Clickstream.events(env, clickstream, config.job(), outputs.deadLetters());

        BroadcastStream<ModelUpdate> models = env
                .fromSource(modelUpdates, ServingConfigWatermarks.idle(), Operator.MODEL_UPDATES_SOURCE.name(),
                        ModelUpdatesDeserializer.TYPE)
                .uid(Operator.MODEL_UPDATES_SOURCE.uid())
                .broadcast(ScoringFunction.SERVING_CONFIGS);

        var withUserFeatures = events
                .keyBy(ShopperEvent::userId, Types.STRING)
                .process(userStage.create(config.features()), FeatureTypes.EVENT_WITH_USER)
                .uid(Operator.USER_FEATURES.uid()).name(Operator.USER_FEATURES.name());

        SingleOutputStreamOperator<Decision> decisions = withUserFeatures
                .keyBy(ScoringFunction::key, Types.STRING)
                .connect(models)
                .process(new ScoringFunction(config.features(), config.models(), artifacts, outputs.features() != null),
                        FeatureTypes.DECISION)
                .uid(Operator.SCORING.uid()).name(Operator.SCORING.name());

        decisions.sinkTo(outputs.decisions()).uid(Operator.DECISIONS_SINK.uid()).name(Operator.DECISIONS_SINK.name());
        if (outputs.features() != null) {
            decisions.getSideOutput(ScoringFunction.FEATURE_VECTORS)
                    .sinkTo(outputs.features()).uid(Operator.FEATURES_SINK.uid()).name(Operator.FEATURES_SINK.name());
        }

        DataStream<ShopperEvent> activity = events
                .filter(OutcomeFunction::isActivity)
                .uid(Operator.ACTIVITY.uid()).name(Operator.ACTIVITY.name());
        decisions
                .keyBy(Decision::userId, Types.STRING)
                .connect(activity.keyBy(ShopperEvent::userId, Types.STRING))
                .process(new OutcomeFunction(config.attribution(), config.returnWindow()), FeatureTypes.OUTCOME)
                .uid(Operator.OUTCOMES.uid()).name(Operator.OUTCOMES.name())
                .sinkTo(outputs.outcomes()).uid(Operator.OUTCOMES_SINK.uid()).name(Operator.OUTCOMES_SINK.name());
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
