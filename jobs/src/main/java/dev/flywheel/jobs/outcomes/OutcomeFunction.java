package dev.flywheel.jobs.outcomes;

import dev.flywheel.decisions.Decision;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.Purchase;
import dev.flywheel.events.ShopperEvent.Return;
import dev.flywheel.jobs.events.ShopperEventTypeInfo;
import dev.flywheel.jobs.features.FeatureTypes;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.outcomes.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Joins each decision with what its user did next, keyed by user: a decision waits in keyed state
 * until the watermark passes the end of its attribution window, then leaves as an {@link Outcome}
 * labelled by {@link Attribution} from the user's purchases. Here the watermark is what it is for:
 * completeness. A decision is made on arrival; its label needs every purchase of the next 30
 * minutes, and the watermark says when they have all arrived.
 *
 * <p>Inputs: decisions (from the scoring stage) and the user's purchases and returns (from the
 * clickstream). The two come by different paths, so a purchase may arrive before the decision of
 * an earlier event: purchases and returns are kept for one attribution plus one return window and
 * looked up when a decision's window closes. With a return window, a positive outcome waits until
 * that long after its purchase and records how many units of the attributed order came back.
 *
 * <p>State: pending decisions by the time their window closes, and the user's recent purchases and
 * returns. Each user has one wake-up timer, at the earliest of those deadlines, moved on when it
 * fires: a timer per decision made the timer queue a fifth of this stage's time, in a queue of
 * every decision of the last 30 minutes. A decision arriving with an earlier deadline than the
 * wake-up (rare: a user's decisions arrive in event-time order) adds a timer rather than moving
 * the other, which then fires with nothing due. Nothing outlives its window: the last wake-up of
 * a user leaves no state. A decision whose
 * window had already closed when it arrived (more than a window behind the watermark) is labelled
 * at once from what is kept ({@code decisions_late}); a purchase or return that arrives behind the
 * watermark may have missed windows that already closed ({@code activity_late}). The memory is
 * about decisions per second x attribution window, in keyed state (on disk with RocksDB).
 *
 * <p>Metrics: {@code outcomes_positive}, {@code outcomes_negative}, {@code decisions_late},
 * {@code activity_late}.
 */
public final class OutcomeFunction extends KeyedCoProcessFunction<String, Decision, ShopperEvent, Outcome> {
    private static final long serialVersionUID = 1L;

    private final Attribution attribution;
    private final long returnWindowMs;

    /** Decisions by the event time their attribution window closes. */
    private transient MapState<Long, List<Decision>> pending;
    /** Positive outcomes by the event time their return window closes. */
    private transient MapState<Long, List<Outcome>> awaitingReturns;
    /** The user's purchases and returns of the last attribution + return window. */
    private transient ListState<ShopperEvent> activity;
    /** The user's earliest registered wake-up; absent when nothing is waiting. */
    private transient ValueState<Long> wakeAt;
    private transient Counter positives;
    private transient Counter negatives;
    private transient Counter decisionsLate;
    private transient Counter activityLate;

    public OutcomeFunction(Attribution attribution, Duration returnWindow) {
        this.attribution = attribution;
        this.returnWindowMs = returnWindow.toMillis();
    }

    /** Whether the outcome stage needs to hear of an event: purchases label, returns are recorded. */
    public static boolean isActivity(ShopperEvent event) {
        return event instanceof Purchase || event instanceof Return;
    }

    @Override
    public void open(OpenContext context) {
        pending = getRuntimeContext().getMapState(new MapStateDescriptor<>("pending-decisions", Types.LONG,
                new ListTypeInfo<>(FeatureTypes.DECISION)));
        awaitingReturns = getRuntimeContext().getMapState(new MapStateDescriptor<>("awaiting-returns", Types.LONG,
                new ListTypeInfo<>(FeatureTypes.OUTCOME)));
        activity = getRuntimeContext().getListState(new ListStateDescriptor<>("activity", ShopperEventTypeInfo.INSTANCE));
        wakeAt = getRuntimeContext().getState(new ValueStateDescriptor<>("wake-at", Types.LONG));
        var metrics = getRuntimeContext().getMetricGroup();
        positives = metrics.counter("outcomes_positive");
        negatives = metrics.counter("outcomes_negative");
        decisionsLate = metrics.counter("decisions_late");
        activityLate = metrics.counter("activity_late");
    }

    @Override
    public void processElement1(Decision decision, Context ctx, Collector<Outcome> out) throws Exception {
        long closes = attribution.closesAt(decision.eventTime());
        long watermark = ctx.timerService().currentWatermark();
        if (closes <= watermark) {
            decisionsLate.inc();
            label(decision, watermark, ctx, out);
            return;
        }
        add(pending, closes, decision);
        wakeNoLaterThan(closes, ctx);
    }

    @Override
    public void processElement2(ShopperEvent event, Context ctx, Collector<Outcome> out) throws Exception {
        if (event.ts() <= ctx.timerService().currentWatermark()) {
            activityLate.inc();
        }
        activity.add(event);
        // Frees it once no window that could use it is open.
        wakeNoLaterThan(event.ts() + attribution.windowMillis() + returnWindowMs, ctx);
    }

    /** Labels what is due by {@code timestamp}, frees what no open window needs, and sets the next wake-up. */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Outcome> out) throws Exception {
        for (long closes : dueKeys(pending, timestamp)) {
            List<Decision> due = pending.get(closes);
            pending.remove(closes);
            for (Decision decision : due) {
                label(decision, timestamp, ctx, out);
            }
        }
        for (long returnsClose : dueKeys(awaitingReturns, timestamp)) {
            List<Outcome> due = awaitingReturns.get(returnsClose);
            awaitingReturns.remove(returnsClose);
            for (Outcome outcome : due) {
                emit(withReturns(outcome), out);
            }
        }
        long keep = attribution.windowMillis() + returnWindowMs;
        long oldestActivity = forgetActivityBefore(timestamp - keep);

        long next = Math.min(firstKey(pending), firstKey(awaitingReturns));
        if (oldestActivity != Long.MAX_VALUE) {
            next = Math.min(next, oldestActivity + keep);
        }
        Long registered = wakeAt.value();
        if (next == Long.MAX_VALUE) {
            wakeAt.clear();
        } else if (registered == null || registered <= timestamp || next < registered) {
            ctx.timerService().registerEventTimeTimer(next);
            wakeAt.update(next);
        }
    }

    /** Makes sure the user wakes up by {@code deadline}: the wake-up set for later gets an earlier one beside it. */
    private void wakeNoLaterThan(long deadline, Context ctx) throws Exception {
        Long registered = wakeAt.value();
        if (registered == null || deadline < registered) {
            ctx.timerService().registerEventTimeTimer(deadline);
            wakeAt.update(deadline);
        }
    }

    /** Labels a decision whose window has closed by {@code now} (event time). */
    private void label(Decision decision, long now, Context ctx, Collector<Outcome> out) throws Exception {
        Purchase first = null;
        for (ShopperEvent event : activity.get()) {
            if (event instanceof Purchase purchase && attribution.attributes(decision.eventTime(), purchase.ts())
                    && (first == null || purchase.ts() < first.ts())) {
                first = purchase;
            }
        }
        long window = attribution.windowMillis();
        if (first == null) {
            emit(new Outcome(decision, false, attribution.closesAt(decision.eventTime()), window, null, 0, returnWindowMs), out);
            return;
        }
        Outcome outcome = new Outcome(decision, true, first.ts(), window, first.orderId(), 0, returnWindowMs);
        long returnsClose = first.ts() + returnWindowMs;
        if (returnsClose > now) {
            add(awaitingReturns, returnsClose, outcome);
            wakeNoLaterThan(returnsClose, ctx);
        } else {
            emit(withReturns(outcome), out);
        }
    }

    /** The outcome with the units of its order returned within the return window after the purchase. */
    private Outcome withReturns(Outcome outcome) throws Exception {
        if (returnWindowMs == 0) {
            return outcome;
        }
        int returned = 0;
        for (ShopperEvent event : activity.get()) {
            if (event instanceof Return back && back.orderId().equals(outcome.orderId())
                    && back.ts() > outcome.labelTime() && back.ts() <= outcome.labelTime() + returnWindowMs) {
                returned += back.quantity();
            }
        }
        return new Outcome(outcome.decision(), true, outcome.labelTime(), outcome.attributionWindowMs(),
                outcome.orderId(), returned, returnWindowMs);
    }

    private void emit(Outcome outcome, Collector<Outcome> out) {
        (outcome.purchased() ? positives : negatives).inc();
        out.collect(outcome);
    }

    /** Drops purchases and returns at or before {@code cutoff}; returns the oldest kept one's time, or Long.MAX_VALUE. */
    private long forgetActivityBefore(long cutoff) throws Exception {
        List<ShopperEvent> kept = new ArrayList<>();
        boolean dropped = false;
        long oldest = Long.MAX_VALUE;
        for (ShopperEvent event : activity.get()) {
            if (event.ts() > cutoff) {
                kept.add(event);
                oldest = Math.min(oldest, event.ts());
            } else {
                dropped = true;
            }
        }
        if (dropped) {
            if (kept.isEmpty()) {
                activity.clear();
            } else {
                activity.update(kept);
            }
        }
        return oldest;
    }

    /** The keys at or before {@code time}, in order. */
    private static List<Long> dueKeys(MapState<Long, ?> state, long time) throws Exception {
        List<Long> due = new ArrayList<>();
        for (Long key : state.keys()) {
            if (key <= time) {
                due.add(key);
            }
        }
        due.sort(null);
        return due;
    }

    private static long firstKey(MapState<Long, ?> state) throws Exception {
        long first = Long.MAX_VALUE;
        for (Long key : state.keys()) {
            first = Math.min(first, key);
        }
        return first;
    }

    private static <T> void add(MapState<Long, List<T>> state, long at, T value) throws Exception {
        List<T> list = state.get(at);
        if (list == null) {
            list = new ArrayList<>(1);
        }
        list.add(value);
        state.put(at, list);
    }
}
