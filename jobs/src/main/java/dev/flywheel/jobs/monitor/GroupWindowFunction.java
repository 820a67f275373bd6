package dev.flywheel.jobs.monitor;

import dev.flywheel.models.ModelJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed by model, version and user group ({@link Observation#groupKey()}): holds each open
 * window's decisions and outcomes of one group of users, and when the window closes sends the
 * group's share on ({@link WindowPartial}): the decisions binned against the version's reference,
 * per item group, at the window's end; the outcomes an attribution window later, when their labels
 * are all in.
 *
 * <p>Why keyed this way: a version's traffic spreads over {@value Groups#USER_GROUPS} keys, and so
 * over the job's subtasks, while a user's decisions and outcomes stay on one key. That makes the
 * deduplication exact: the decisions topic is at-least-once, a duplicate carries the same decision
 * id and event time, so it reaches the same key within the same window and is dropped there
 * ({@code duplicate_decisions}). Outcomes are exactly-once; a repeated id is dropped too.
 *
 * <p>Windows are tumbling in event time, aligned to the epoch. A decision belongs to the window of
 * its event; so does its outcome, which is why outcome windows close an attribution window later.
 * The stream's timestamps are a decision's event time and an outcome's window close (when the
 * scoring job released it), so the watermark vouches for both. A record whose window had already
 * closed when it arrived (behind the watermark by more than the allowed lateness) is counted in
 * {@code flywheel.model.<name>.late_decisions} / {@code late_outcomes} and left out: the window's
 * figures have gone; the record itself stays in its topic.
 *
 * <p>Metrics: {@code duplicate_decisions}, {@code version_references} (descriptors received on the
 * broadcast side; restored ones are not counted again), and the late counters above.
 *
 * <p>State: every open window's decisions (id, time, item group, role, score, vector: about 400
 * bytes each) and outcomes (about 60 bytes), so decisions per second x (window + lateness) plus
 * outcomes per second x (window + lateness + attribution). One timer per key and closing time.
 * Nothing outlives its window: a key whose windows have all closed holds no state.
 */
public final class GroupWindowFunction
        extends KeyedBroadcastProcessFunction<String, Observation, ModelReferences, WindowPartial> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(GroupWindowFunction.class);

    /** Version descriptors as JSON, by {@link ModelReferences#key}: the broadcast state both stages keep. */
    public static final MapStateDescriptor<String, String> DESCRIPTORS =
            new MapStateDescriptor<>("version-descriptors", Types.STRING, Types.STRING);

    /** A decision waiting for its window to close. */
    public record PendingDecision(long eventTime, int itemGroup, byte role, double score, double[] features) {
    }

    /** An outcome waiting for its window's outcomes to be complete. */
    public record PendingOutcome(long eventTime, byte role, double score, boolean purchased) {
    }

    private static final double[] NONE = new double[0];

    private final MonitorSettings settings;
    private transient MapState<String, PendingDecision> decisions;
    private transient MapState<String, PendingOutcome> outcomes;
    private transient Map<String, VersionReference> parsed;
    private transient Map<String, Counter[]> lateCounters;
    private transient Counter duplicates;
    private transient Counter referencesKnown;
    private transient MetricGroup flywheel;

    public GroupWindowFunction(MonitorSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext context) {
        decisions = getRuntimeContext().getMapState(new MapStateDescriptor<>("pending-decisions", Types.STRING,
                TypeInformation.of(PendingDecision.class)));
        outcomes = getRuntimeContext().getMapState(new MapStateDescriptor<>("pending-outcomes", Types.STRING,
                TypeInformation.of(PendingOutcome.class)));
        parsed = new HashMap<>();
        lateCounters = new HashMap<>();
        MetricGroup group = getRuntimeContext().getMetricGroup();
        duplicates = group.counter("duplicate_decisions");
        referencesKnown = group.counter("version_references");
        flywheel = group.addGroup("flywheel");
    }

    @Override
    public void processElement(Observation observation, ReadOnlyContext ctx, Collector<WindowPartial> out)
            throws Exception {
        long windowStart = settings.windowStart(observation.eventTime());
        long closes = observation.outcome() ? settings.qualityCloses(windowStart) : settings.driftCloses(windowStart);
        // Looked up for every record, so a model's late counters are exported (at 0) before its first late one.
        Counter[] late = late(observation.model());
        if (closes <= ctx.timerService().currentWatermark()) {
            late[observation.outcome() ? 1 : 0].inc();
            return;
        }
        if (observation.outcome()) {
            if (outcomes.contains(observation.decisionId())) {
                return;
            }
            outcomes.put(observation.decisionId(), new PendingOutcome(observation.eventTime(), observation.role(),
                    observation.score(), observation.purchased()));
        } else {
            if (decisions.contains(observation.decisionId())) {
                duplicates.inc();
                return;
            }
            decisions.put(observation.decisionId(), new PendingDecision(observation.eventTime(), observation.itemGroup(),
                    observation.role(), observation.score(), observation.features()));
        }
        ctx.timerService().registerEventTimeTimer(closes);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<WindowPartial> out) throws Exception {
        String[] key = ctx.getCurrentKey().split("/");
        String model = key[0];
        int version = Integer.parseInt(key[1]);
        int userGroup = Integer.parseInt(key[2]);

        TreeMap<Long, List<PendingDecision>> closedDecisions = new TreeMap<>();
        for (Iterator<Map.Entry<String, PendingDecision>> it = decisions.iterator(); it.hasNext(); ) {
            PendingDecision decision = it.next().getValue();
            long windowStart = settings.windowStart(decision.eventTime());
            if (settings.driftCloses(windowStart) <= timestamp) {
                closedDecisions.computeIfAbsent(windowStart, w -> new ArrayList<>()).add(decision);
                it.remove();
            }
        }
        if (!closedDecisions.isEmpty()) {
            VersionReference reference = reference(ctx.getBroadcastState(DESCRIPTORS), model, version);
            int width = reference == null ? 0 : reference.width();
            for (Map.Entry<Long, List<PendingDecision>> window : closedDecisions.entrySet()) {
                long[] roles = new long[WindowPartial.ROLES];
                int[] counters = new int[Groups.ITEM_GROUPS * width];
                for (PendingDecision decision : window.getValue()) {
                    roles[decision.role()]++;
                    if (reference != null) {
                        reference.count(decision.score(), decision.features(), counters, decision.itemGroup() * width);
                    }
                }
                out.collect(new WindowPartial(model, version, userGroup, window.getKey(), false, window.getValue().size(),
                        roles, width, reference == null ? "" : reference.sha256(), counters, NONE, new boolean[0],
                        new byte[0]));
            }
        }

        TreeMap<Long, List<PendingOutcome>> closedOutcomes = new TreeMap<>();
        for (Iterator<Map.Entry<String, PendingOutcome>> it = outcomes.iterator(); it.hasNext(); ) {
            PendingOutcome outcome = it.next().getValue();
            long windowStart = settings.windowStart(outcome.eventTime());
            if (settings.qualityCloses(windowStart) <= timestamp) {
                closedOutcomes.computeIfAbsent(windowStart, w -> new ArrayList<>()).add(outcome);
                it.remove();
            }
        }
        for (Map.Entry<Long, List<PendingOutcome>> window : closedOutcomes.entrySet()) {
            List<PendingOutcome> list = window.getValue();
            long[] roleCounts = new long[WindowPartial.ROLES];
            double[] scores = new double[list.size()];
            boolean[] labels = new boolean[list.size()];
            byte[] roles = new byte[list.size()];
            for (int i = 0; i < list.size(); i++) {
                PendingOutcome outcome = list.get(i);
                scores[i] = outcome.score();
                labels[i] = outcome.purchased();
                roles[i] = outcome.role();
                roleCounts[outcome.role()]++;
            }
            out.collect(new WindowPartial(model, version, userGroup, window.getKey(), true, list.size(), roleCounts, 0, "",
                    new int[0], scores, labels, roles));
        }
        // An emptied map state still holds its key; clearing it leaves the key no state at all.
        if (decisions.isEmpty()) {
            decisions.clear();
        }
        if (outcomes.isEmpty()) {
            outcomes.clear();
        }
    }

    @Override
    public void processBroadcastElement(ModelReferences references, Context ctx, Collector<WindowPartial> out)
            throws Exception {
        references(rememberDescriptors(ctx.getBroadcastState(DESCRIPTORS), references));
    }

    private void references(int added) {
        referencesKnown.inc(added);
    }

    /**
     * Keeps the descriptors a references record brings; a version's descriptor never changes, so the
     * first one stays.
     *
     * @return how many versions' descriptors were new
     */
    static int rememberDescriptors(BroadcastState<String, String> state, ModelReferences references) throws Exception {
        int added = 0;
        for (int i = 0; i < references.versions().length; i++) {
            String key = ModelReferences.key(references.model(), references.versions()[i]);
            if (references.descriptors()[i] != null && !state.contains(key)) {
                state.put(key, references.descriptors()[i]);
                added++;
            }
        }
        return added;
    }

    private VersionReference reference(ReadOnlyBroadcastState<String, String> state, String model, int version)
            throws Exception {
        return parse(parsed, state, model, version);
    }

    /** The version's reference from broadcast state, parsed once per subtask; null when unknown or unusable. */
    static VersionReference parse(Map<String, VersionReference> cache, ReadOnlyBroadcastState<String, String> state,
            String model, int version) throws Exception {
        String key = ModelReferences.key(model, version);
        VersionReference known = cache.get(key);
        if (known != null) {
            return known;
        }
        String json = state.get(key);
        if (json == null) {
            return null;
        }
        try {
            VersionReference reference = VersionReference.of(ModelJson.descriptor(json.getBytes(StandardCharsets.UTF_8)));
            cache.put(key, reference);
            return reference;
        } catch (IllegalArgumentException e) {
            LOG.warn("{} v{}: unusable reference distributions, drift untested: {}", model, version, e.getMessage());
            return null;
        }
    }

    private Counter[] late(String model) {
        return lateCounters.computeIfAbsent(model, m -> {
            MetricGroup group = flywheel.addGroup("model", m);
            return new Counter[] {group.counter("late_decisions"), group.counter("late_outcomes")};
        });
    }
}
