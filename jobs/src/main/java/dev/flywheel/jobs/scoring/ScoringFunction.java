package dev.flywheel.jobs.scoring;

import dev.flywheel.decisions.Decision;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.ItemEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.ItemFeatures;
import dev.flywheel.jobs.features.FeatureTypes;
import dev.flywheel.jobs.features.ItemFeatureStage;
import dev.flywheel.jobs.features.UserFeatures;
import dev.flywheel.jobs.serving.ArtifactSource;
import dev.flywheel.jobs.serving.LoadedModel;
import dev.flywheel.jobs.serving.ModelServing;
import dev.flywheel.jobs.serving.ModelUpdate;
import dev.flywheel.jobs.serving.RefusalReason;
import dev.flywheel.jobs.serving.ServingPlan;
import dev.flywheel.jobs.serving.TrafficSplit;
import dev.flywheel.models.ModelJson;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.models.ServingVariant;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keyed-by-item stage, where a decision is made: applies the event to its item's state on
 * arrival, completes the vector with the item features, and scores it inline with every version
 * the serving config of each model names, emitting one {@link Decision} per acting variant (the
 * champion, or the challenger for users in its share) and one per shadow that samples the user.
 * The vector a decision carries is the one it was scored on.
 *
 * <p>Keyed by {@link #key}: the item, or the user for events about no item (searches). An item
 * sees events of many users from many user-stage subtasks, so its features depend on arrival
 * order; {@link dev.flywheel.features.ItemState#apply} keeps its decayed sums independent of it and docs/features.md
 * bounds the difference to the offline replay. Out-of-order events are applied and counted in
 * {@code events_out_of_order}.
 *
 * <p>Models arrive as {@code model-updates} records on the broadcast side. Broadcast state keeps
 * the last {@value #CONFIG_HISTORY} configs of each model, so that a job restored from a
 * checkpoint loads what it served before (or, if that no longer loads, the newest older config
 * that does) before its first event, without waiting for the topic. Loading itself is
 * {@link ModelServing}'s: in the background, all-or-nothing per config, refused versions logged and
 * counted while the previous plan serves.
 *
 * <p>When no version serves a user the event gets no decision (no fake score) and counts in the
 * model's {@code events_unscored}. Item state, its expiry and timers are {@link ItemFeatureStage}'s,
 * which the bootstrap job runs too.
 */
public final class ScoringFunction
        extends KeyedBroadcastProcessFunction<String, Tuple2<ShopperEvent, UserFeatures>, ModelUpdate, Decision>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ScoringFunction.class);

    /** Serving configs received, per model: JSON, oldest first, at most {@link #CONFIG_HISTORY}. */
    public static final MapStateDescriptor<String, String[]> SERVING_CONFIGS =
            new MapStateDescriptor<>("serving-configs", Types.STRING, BasicArrayTypeInfo.STRING_ARRAY_TYPE_INFO);
    /** Every event's complete vector, whether a model served it or not (the {@code features} topic). */
    public static final OutputTag<FeatureVector> FEATURE_VECTORS = new OutputTag<>("feature-vectors", FeatureTypes.FEATURE_VECTOR);
    static final int CONFIG_HISTORY = 5;

    private final FeatureSettings settings;
    private final String[] models;
    private final ArtifactSource artifacts;
    private final boolean emitVectors;

    private transient ItemFeatureStage items;
    private transient ModelServing serving;
    private transient Map<String, ModelMetrics> metrics;
    private transient Map<String, List<ServingConfig>> restored;
    private transient Counter outOfOrder;
    private transient Counter itemsExpired;
    private transient Counter invalidUpdates;
    private transient int specVersion;

    /**
     * @param models      the model names to serve
     * @param emitVectors whether to emit every vector to {@link #FEATURE_VECTORS}
     */
    public ScoringFunction(FeatureSettings settings, List<String> models, ArtifactSource artifacts, boolean emitVectors) {
        this.settings = settings;
        this.models = models.toArray(String[]::new);
        this.artifacts = artifacts;
        this.emitVectors = emitVectors;
    }

    /** The stage's key: the item, or the user for events about no item. */
    public static String key(Tuple2<ShopperEvent, UserFeatures> record) {
        return record.f0 instanceof ItemEvent itemEvent ? itemEvent.itemId() : record.f0.userId();
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        restored = new HashMap<>();
        if (context.isRestored()) {
            BroadcastState<String, String[]> configs = context.getOperatorStateStore().getBroadcastState(SERVING_CONFIGS);
            for (Map.Entry<String, String[]> entry : configs.entries()) {
                List<ServingConfig> newestFirst = new ArrayList<>();
                String[] history = entry.getValue();
                for (int i = history.length - 1; i >= 0; i--) {
                    newestFirst.add(ModelJson.servingConfig(history[i].getBytes(StandardCharsets.UTF_8)));
                }
                restored.put(entry.getKey(), newestFirst);
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
        // Broadcast and keyed state are Flink's; nothing of ours needs writing.
    }

    @Override
    public void open(OpenContext context) {
        items = new ItemFeatureStage(settings, getRuntimeContext());
        MetricGroup group = getRuntimeContext().getMetricGroup();
        outOfOrder = group.counter("events_out_of_order");
        itemsExpired = group.counter("items_expired");
        invalidUpdates = group.counter("invalid_model_updates");
        MetricGroup flywheel = group.addGroup("flywheel");
        metrics = new HashMap<>();
        for (String model : models) {
            metrics.put(model, new ModelMetrics(flywheel, model));
        }
        specVersion = FeatureSpec.current().version();
        String subtask = getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks();
        serving = new ModelServing(new LinkedHashSet<>(Arrays.asList(models)), artifacts, new ServingListener(), subtask);
        restored.forEach(serving::restore);
        restored = null;
    }

    @Override
    public void processElement(Tuple2<ShopperEvent, UserFeatures> record, ReadOnlyContext ctx, Collector<Decision> out)
            throws Exception {
        serving.refresh();
        ShopperEvent event = record.f0;
        double[] vector = record.f1.values();
        ItemFeatures itemFeatures = ItemFeatures.NONE;
        if (event instanceof ItemEvent itemEvent) {
            ItemFeatureStage.Applied applied = items.apply(itemEvent, vector, ctx.timerService());
            if (applied.outOfOrder()) {
                outOfOrder.inc();
            }
            itemFeatures = applied.features();
        }
        itemFeatures.writeInto(vector, record.f1.usualUnitPrice());
        if (emitVectors) {
            ctx.output(FEATURE_VECTORS, new FeatureVector(event.eventId(), event.userId(), event.type(), event.ts(),
                    specVersion, vector));
        }
        decide(event, vector, out);
    }

    private void decide(ShopperEvent event, double[] vector, Collector<Decision> out) throws Exception {
        for (String model : models) {
            ServingPlan plan = serving.plan(model).orElse(null);
            String role = plan == null ? null : plan.roleFor(TrafficSplit.bucket(model, event.userId()));
            LoadedModel acting = role == null ? null : plan.variant(role);
            if (acting == null) {
                metrics.get(model).unscored();
            } else {
                out.collect(score(event, vector, model, acting, role));
            }
            // A shadow that is also the acting version would log the same decision twice.
            if (plan != null && plan.shadow() != null && plan.shadow() != acting
                    && TrafficSplit.shadowBucket(model, event.userId()) < plan.shadowShare()) {
                out.collect(score(event, vector, model, plan.shadow(), ServingVariant.SHADOW));
            }
        }
    }

    private Decision score(ShopperEvent event, double[] vector, String model, LoadedModel version, String role)
            throws Exception {
        long started = System.nanoTime();
        float score = version.score(vector);
        metrics.get(model).decided(role, System.nanoTime() - started);
        return new Decision(Decision.idOf(event.eventId(), model, version.version()), event.eventId(),
                event.type(), event.userId(), event.sessionId(), event instanceof ItemEvent i ? i.itemId() : null,
                model, version.version(), role, score, specVersion, vector, event.ts(), System.currentTimeMillis());
    }

    @Override
    public void processBroadcastElement(ModelUpdate update, Context ctx, Collector<Decision> out) throws Exception {
        BroadcastState<String, String[]> state = ctx.getBroadcastState(SERVING_CONFIGS);
        if (update.configJson() == null) {
            state.remove(update.model());
            serving.remove(update.model());
            return;
        }
        ServingConfig config;
        try {
            config = ModelJson.servingConfig(update.configJson().getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            invalidUpdates.inc();
            LOG.warn("ignored a model-updates record for '{}': {}", update.model(), e.getMessage());
            return;
        }
        if (!config.model().equals(update.model())) {
            invalidUpdates.inc();
            LOG.warn("ignored a model-updates record keyed '{}' holding the config of '{}'", update.model(), config.model());
            return;
        }
        if (!serving.serves(config.model())) {
            return;
        }
        String[] history = state.get(config.model());
        List<String> kept = new ArrayList<>(history == null ? List.of() : Arrays.asList(history));
        kept.add(update.configJson());
        while (kept.size() > CONFIG_HISTORY) {
            kept.remove(0);
        }
        state.put(config.model(), kept.toArray(String[]::new));
        serving.offer(config);
    }

    /** The item's wake-up fired: delete it if its TTL has passed, else wait for the new deadline. */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Decision> out) throws Exception {
        if (items.wakeUp(timestamp, ctx.timerService())) {
            itemsExpired.inc();
        }
    }

    /** Waits until no version is loading and takes what finished: for tests, which can't wait for an event. */
    void awaitModelLoads(java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            serving.refresh();
            if (!serving.busy()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("models still loading after " + timeout);
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void close() throws Exception {
        if (serving != null) {
            serving.close();
        }
        super.close();
    }

    /** Metrics for what the serving layer did; called on the task thread, loads on the loader's. */
    private final class ServingListener implements ModelServing.Listener {
        @Override
        public void activated(ServingPlan plan) {
            metrics.get(plan.model()).serving(plan);
        }

        @Override
        public void refused(String model, long revision, RefusalReason reason, String detail) {
            metrics.get(model).refused(reason);
        }

        @Override
        public void loaded(LoadedModel model, long millis) {
            metrics.get(model.model()).loaded();
        }
    }
}
