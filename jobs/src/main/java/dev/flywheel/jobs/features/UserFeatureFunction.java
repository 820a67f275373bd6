package dev.flywheel.jobs.features;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.ItemFeatures;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.features.UserState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The keyed-by-user stage: recency, decayed frequency and spend, category affinity and the current
 * session, combined with the item stage's features into one {@link FeatureVector} per event.
 *
 * <p>As in {@link ItemFeatureFunction}, events wait until the watermark passes their time and are
 * then applied in {@link OfflineFeatureReplay#EVENT_ORDER}: a user's events reach this stage from
 * every item-stage subtask, in no fixed order. An event is normally not late here: the item stage
 * emits it when its own watermark reaches the event's time, before forwarding that watermark. It
 * can be when an item-stage subtask was idle (all its sources idle) and this stage's watermark
 * moved on without it; such an event, which has already updated its item, is counted in
 * {@code eventsLate}, sent to {@link ItemFeatureFunction#LATE_EVENTS} and gets no vector, rather
 * than be applied out of order.
 *
 * <p>Expiry: each user has one wake-up timer besides the buffered events' ones, set at the end of
 * a session when it opens. Events within a session do not move it (deleting and inserting timers
 * on every event was the largest cost of this stage); when it fires it closes the session if it
 * really ended (last event + 30 min), deletes the user if the state TTL has passed since their last
 * event, and otherwise sets itself again for the next of those deadlines. The features never
 * depend on when it fires ({@link UserState#apply} closes sessions and forgets users from
 * event-time gaps itself); it only frees state, so that an expired user leaves no state entry and
 * no timer.
 *
 * <p>Metrics: {@code eventsLate}, {@code featureFreshnessMs} (wall clock now minus event time, when
 * the vector is made), {@code usersCreated} and {@code usersExpired}, and {@code usersLive}, their
 * difference since this subtask started (after a restore it ignores users restored and not touched
 * since).
 */
public final class UserFeatureFunction
        extends KeyedProcessFunction<String, Tuple2<ShopperEvent, ItemFeatures>, FeatureVector> {
    private static final long serialVersionUID = 1L;

    private static final Comparator<Tuple2<ShopperEvent, ItemFeatures>> ORDER =
            Comparator.comparing(pair -> pair.f0, OfflineFeatureReplay.EVENT_ORDER);

    private final FeatureSettings settings;

    private transient MapState<Long, List<Tuple2<ShopperEvent, ItemFeatures>>> pending;
    private transient ValueState<UserState> user;
    /** When this user's wake-up timer is set for; absent while they have no state. */
    private transient ValueState<Long> wakeAt;
    private transient Histogram freshness;
    private transient Counter late;
    private transient Counter usersCreated;
    private transient Counter usersExpired;
    private transient int specVersion;

    public UserFeatureFunction(FeatureSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext context) {
        pending = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("pending-events", Types.LONG, FeatureTypes.EVENT_WITH_ITEM_LIST));
        user = getRuntimeContext().getState(new ValueStateDescriptor<>("user", FeatureTypes.USER_STATE));
        wakeAt = getRuntimeContext().getState(new ValueStateDescriptor<>("wake-at", Types.LONG));
        var metrics = getRuntimeContext().getMetricGroup();
        freshness = metrics.histogram("featureFreshnessMs", new DescriptiveStatisticsHistogram(10_000));
        late = metrics.counter("eventsLate");
        usersCreated = metrics.counter("usersCreated");
        usersExpired = metrics.counter("usersExpired");
        metrics.gauge("usersLive", () -> usersCreated.getCount() - usersExpired.getCount());
        specVersion = FeatureSpec.current().version();
    }

    @Override
    public void processElement(Tuple2<ShopperEvent, ItemFeatures> event, Context context,
            Collector<FeatureVector> out) throws Exception {
        long ts = event.f0.ts();
        if (ts <= context.timerService().currentWatermark()) {
            late.inc();
            context.output(ItemFeatureFunction.LATE_EVENTS, event.f0);
            return;
        }
        List<Tuple2<ShopperEvent, ItemFeatures>> due = pending.get(ts);
        if (due == null) {
            due = new ArrayList<>(1);
        }
        due.add(event);
        pending.put(ts, due);
        context.timerService().registerEventTimeTimer(ts);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<FeatureVector> out) throws Exception {
        UserState state = user.value();
        List<Tuple2<ShopperEvent, ItemFeatures>> due = pending.get(timestamp);
        if (due != null) {
            pending.remove(timestamp);
            due.sort(ORDER);
            if (state == null) {
                state = new UserState();
                usersCreated.inc();
            }
            for (Tuple2<ShopperEvent, ItemFeatures> pair : due) {
                ShopperEvent event = pair.f0;
                double[] values = state.apply(event, pair.f1, settings);
                out.collect(new FeatureVector(event.eventId(), event.userId(), event.type(), event.ts(), specVersion, values));
                freshness.update(System.currentTimeMillis() - event.ts());
            }
            user.update(state);
        }
        if (state == null) {
            return;
        }
        Long wake = wakeAt.value();
        if (wake != null && wake == timestamp) {
            wakeUp(context, timestamp, state);
        } else if (wake == null || wake > state.sessionEndsAt()) {
            // A first event, or a new session while the timer waits for the TTL: wake at its end.
            // A timer left behind this way fires before the user can expire and finds wakeAt moved on.
            setWakeUp(context, state.sessionEndsAt());
        }
    }

    /** The wake-up timer fired: free what has expired, then wait for the next deadline. */
    private void wakeUp(OnTimerContext context, long timestamp, UserState state) throws Exception {
        if (timestamp >= state.expiresAt(settings)) {
            user.clear();
            wakeAt.clear();
            usersExpired.inc();
            return;
        }
        if (state.hasOpenSession() && timestamp >= state.sessionEndsAt()) {
            state.closeSession();
            user.update(state);
        }
        setWakeUp(context, state.hasOpenSession() ? state.sessionEndsAt() : state.expiresAt(settings));
    }

    private void setWakeUp(OnTimerContext context, long timestamp) throws Exception {
        context.timerService().registerEventTimeTimer(timestamp);
        wakeAt.update(timestamp);
    }
}
