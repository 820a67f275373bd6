package dev.flywheel.jobs.monitor;

import dev.flywheel.health.ModelHealthReport;
import dev.flywheel.jobs.FlinkSettings;
import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import dev.flywheel.jobs.KafkaConnectors;
import dev.flywheel.jobs.KafkaOptions;
import dev.flywheel.jobs.Operator;
import dev.flywheel.jobs.retrain.PulsarRetrainSink;
import dev.flywheel.jobs.serving.ModelUpdate;
import dev.flywheel.jobs.serving.ModelUpdatesDeserializer;
import dev.flywheel.jobs.serving.ServingConfigWatermarks;
import dev.flywheel.retrain.RetrainRequest;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The monitor job: how each model version is doing, window by window, and when to retrain.
 *
 * <pre>
 * decisions (at-least-once) -> parse, watermarks on event time                  \
 * outcomes (read_committed) -> parse, watermarks on attribution close             -> keyBy(model/version/user group)
 * model-updates -> fetch each version's descriptor (async) -> broadcast -------------> windows per group: dedupe, bin
 *     -> keyBy(model) -> drift (PSI vs reference, thresholds for the window's size), live quality,
 *                        champion vs challenger, triggers                 <- broadcast
 *     -> model-health (one report per version and window)
 *     -> retrain requests (side output: sustained drift, quality loss, schedule)
 * </pre>
 *
 * Why two keyed stages: the first spreads each version's traffic over its user groups, where
 * decisions are deduplicated and binned, and where the spread between groups comes from; the
 * second sees a handful of partial histograms per window and version and does the statistics, the
 * comparison and the triggers, which need the whole model in one place. docs/monitor.md has the
 * windows, the tests, their calibration and the report.
 */
public final class MonitorJob {

    /** Where the job's results go. */
    public record Outputs(Sink<ModelHealthReport> health, Sink<RetrainRequest> retrainRequests) {
    }

    private final MonitorConfig config;
    private final Source<Observation, ?, ?> decisions;
    private final Source<Observation, ?, ?> outcomes;
    private final Source<ModelUpdate, ?, ?> modelUpdates;
    private final DescriptorSource descriptors;
    private final Outputs outputs;

    public MonitorJob(MonitorConfig config, Source<Observation, ?, ?> decisions, Source<Observation, ?, ?> outcomes,
            Source<ModelUpdate, ?, ?> modelUpdates, DescriptorSource descriptors, Outputs outputs) {
        this.config = config;
        this.decisions = decisions;
        this.outcomes = outcomes;
        this.modelUpdates = modelUpdates;
        this.descriptors = descriptors;
        this.outputs = outputs;
    }

    /**
     * The job on the configuration's Kafka topics and registry. Retrain requests go to
     * {@code retrainRequests}: the Pulsar work queue in production, any sink in tests.
     */
    public static MonitorJob onKafka(MonitorConfig config, Sink<RetrainRequest> retrainRequests) {
        KafkaConnectors kafka = new KafkaConnectors(config.job().kafka(), "flywheel-monitor");
        return new MonitorJob(config,
                committed(config.job().kafka(), config.decisionsTopic(), new ObservationDeserializer(false, config.models())),
                committed(config.job().kafka(), config.outcomesTopic(), new ObservationDeserializer(true, config.models())),
                kafka.changelog(config.modelUpdatesTopic(), new ModelUpdatesDeserializer()),
                new RegistryDescriptors(config.registry(), config.registryToken()),
                new Outputs(kafka.sink(new HealthRecordSerializer(config.modelHealthTopic()), "model-health"),
                        retrainRequests));
    }

    /**
     * As {@link #onKafka(MonitorConfig, Sink)}, sending retrain requests to the configured Pulsar
     * topic, the trainer workers' queue, or without {@code --pulsar} as JSON to a Kafka topic.
     */
    public static MonitorJob onKafka(MonitorConfig config) {
        if (config.pulsar() != null) {
            return onKafka(config, PulsarRetrainSink.to(config.pulsar()).withTopic(config.retrainPulsarTopic()));
        }
        KafkaConnectors kafka = new KafkaConnectors(config.job().kafka(), "flywheel-monitor");
        return onKafka(config, kafka.sink(new RetrainRequestRecordSerializer(config.retrainTopic()), "retrain-requests"));
    }

    public void build(StreamExecutionEnvironment env) {
        FlinkSettings.apply(env, config.job());
        MonitorSettings settings = config.settings();

        DataStream<Observation> decided = env
                .fromSource(decisions, eventTime(), Operator.MONITOR_DECISIONS_SOURCE.name(), Observation.TYPE)
                .uid(Operator.MONITOR_DECISIONS_SOURCE.uid());
        DataStream<Observation> labelled = env
                .fromSource(outcomes, eventTime(), Operator.MONITOR_OUTCOMES_SOURCE.name(), Observation.TYPE)
                .uid(Operator.MONITOR_OUTCOMES_SOURCE.uid());

        DataStream<ModelUpdate> updates = env
                .fromSource(modelUpdates, ServingConfigWatermarks.idle(), Operator.MONITOR_MODEL_UPDATES_SOURCE.name(),
                        ModelUpdatesDeserializer.TYPE)
                .uid(Operator.MONITOR_MODEL_UPDATES_SOURCE.uid());
        BroadcastStream<ModelReferences> references = AsyncDataStream
                .orderedWait(updates, new ReferenceFetcher(descriptors, config.models()), 2, TimeUnit.MINUTES, 16)
                .returns(ModelReferences.TYPE)
                .uid(Operator.MONITOR_REFERENCES.uid()).name(Operator.MONITOR_REFERENCES.name())
                .broadcast(GroupWindowFunction.DESCRIPTORS);

        SingleOutputStreamOperator<WindowPartial> partials = decided.union(labelled)
                .keyBy(Observation::groupKey, Types.STRING)
                .connect(references)
                .process(new GroupWindowFunction(settings), WindowPartial.TYPE)
                .uid(Operator.MONITOR_GROUP_WINDOWS.uid()).name(Operator.MONITOR_GROUP_WINDOWS.name());

        SingleOutputStreamOperator<ModelHealthReport> reports = partials
                .keyBy(WindowPartial::model, Types.STRING)
                .connect(references)
                .process(new ModelHealthFunction(settings), ModelHealthFunction.REPORT_TYPE)
                .uid(Operator.MONITOR_MODEL_HEALTH.uid()).name(Operator.MONITOR_MODEL_HEALTH.name());

        reports.sinkTo(outputs.health()).uid(Operator.MODEL_HEALTH_SINK.uid()).name(Operator.MODEL_HEALTH_SINK.name());
        reports.getSideOutput(ModelHealthFunction.RETRAIN_REQUESTS)
                .sinkTo(outputs.retrainRequests())
                .uid(Operator.RETRAIN_REQUESTS_SINK.uid()).name(Operator.RETRAIN_REQUESTS_SINK.name());
    }

    /**
     * Each record's {@link Observation#timestamp()}: a decision's event time, an outcome's
     * attribution close. Both topics are written in roughly that order, per partition.
     */
    private WatermarkStrategy<Observation> eventTime() {
        return WatermarkStrategy.<Observation>forBoundedOutOfOrderness(config.job().maxOutOfOrderness())
                .withTimestampAssigner((observation, previous) -> observation.timestamp())
                .withIdleness(config.job().idleness());
    }

    /**
     * A topic read {@code read_committed}: outcomes are written in Kafka transactions, and the
     * aborted copies a failure leaves behind must not count; decisions written exactly-once are
     * alike, and at-least-once ones have no transactions, so it costs them nothing.
     */
    @SuppressWarnings("deprecation") // the connector's API still takes the client's reset strategy
    private static KafkaSource<Observation> committed(KafkaOptions options, String topic,
            ObservationDeserializer deserializer) {
        KafkaSourceBuilder<Observation> builder = KafkaSource.<Observation>builder()
                .setBootstrapServers(options.bootstrapServers())
                .setTopics(topic)
                .setGroupId(options.groupId())
                .setStartingOffsets(switch (options.startingOffsets()) {
                    case EARLIEST -> OffsetsInitializer.earliest();
                    case LATEST -> OffsetsInitializer.latest();
                    case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
                })
                .setDeserializer(deserializer)
                .setProperty("isolation.level", "read_committed")
                .setProperty("commit.offsets.on.checkpoint", "true")
                .setProperty("partition.discovery.interval.ms", "30000");
        if (options.bounded()) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    public static void main(String[] args) throws Exception {
        MonitorConfig config;
        try {
            config = MonitorConfig.fromArgs(args);
        } catch (InvalidJobArgumentException e) {
            System.err.println("flywheel-monitor: " + e.getMessage());
            System.exit(2);
            return;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        onKafka(config).build(env);
        env.execute("flywheel-monitor");
    }
}
