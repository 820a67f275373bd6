package dev.flywheel.jobs.features;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.ItemFeatures;
import dev.flywheel.features.UserState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.StateInitializationContext;

/**
 * The keyed-by-user stage: recency, decayed frequency and spend, category affinity and the current
 * session, combined with the item stage's features into one {@link FeatureVector} per event.
 *
 * <p>As in the item stage, events are applied in event order once the watermark passes them (see
 * {@link EventTimeOrderedOperator}): a user's events reach this stage from every item-stage
 * subtask, in no fixed order. An event is normally not late here: the item stage emits it when its
 * own watermark reaches the event's time, before forwarding that watermark. It can be when an
 * item-stage subtask was idle (all its sources idle) and this stage's watermark moved on without
 * it; such an event, which has already updated its item, is counted in {@code eventsLate}, sent to
 * {@link #LATE_EVENTS} and gets no vector, rather than be applied out of order.
 *
 * <p>Expiry: each user has one wake-up timer, set when a session opens for a session gap after
 * its end as of then (first event + 60 min). Events within a session do not move it; when it fires
 * it closes the session if it really ended (last event + 30 min), deletes the user if the state
 * TTL has passed since their last event, and otherwise sets itself again for the next of those
 * deadlines (again a gap late for a session). The slack frees a session's fields up to 30 minutes
 * after it ends, and lets most sessions, which last under 30 minutes, close on the first wake-up
 * instead of the second: timer queue work was the largest cost of this stage after the features
 * themselves. The features never depend on when it fires ({@link UserState#apply} closes sessions
 * and forgets users from event-time gaps itself); it only frees state, so that an expired user
 * leaves no state entry and no timer.
 *
 * <p>Metrics: {@code eventsLate}, {@code eventsBuffered}, {@code featureFreshnessMs} (wall clock
 * now minus event time, when the vector is made), {@code usersCreated} and {@code usersExpired},
 * and {@code usersLive}, their difference since this subtask started (after a restore it ignores
 * users restored and not touched since).
 */
public final class UserFeatureOperator
        extends EventTimeOrderedOperator<Tuple2<ShopperEvent, ItemFeatures>, FeatureVector> {
    private static final long serialVersionUID = 1L;

    private final FeatureSettings settings;

    private transient ValueState<UserState> user;
    /** When this user's wake-up timer is set for; absent while they have no state. */
    private transient ValueState<Long> wakeAt;
    private transient Histogram freshness;
    private transient Counter usersCreated;
    private transient Counter usersExpired;
    private transient int specVersion;

    public UserFeatureOperator(FeatureSettings settings) {
        super(FeatureTypes.EVENT_WITH_ITEM);
        this.settings = settings;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        user = context.getKeyedStateStore().getState(new ValueStateDescriptor<>("user", FeatureTypes.USER_STATE));
        wakeAt = context.getKeyedStateStore().getState(new ValueStateDescriptor<>("wake-at", Types.LONG));
    }

    @Override
    public void open() throws Exception {
        super.open();
        var metrics = getMetricGroup();
        freshness = metrics.histogram("featureFreshnessMs", new DescriptiveStatisticsHistogram(10_000));
        usersCreated = metrics.counter("usersCreated");
        usersExpired = metrics.counter("usersExpired");
        metrics.gauge("usersLive", () -> usersCreated.getCount() - usersExpired.getCount());
        specVersion = FeatureSpec.current().version();
    }

    @Override
    protected ShopperEvent eventOf(Tuple2<ShopperEvent, ItemFeatures> record) {
        return record.f0;
    }

    @Override
    protected void apply(Tuple2<ShopperEvent, ItemFeatures> record) throws Exception {
        ShopperEvent event = record.f0;
        UserState state = user.value();
        boolean first = state == null;
        if (first) {
            state = new UserState();
            usersCreated.inc();
        }
        // Closed only by a wake-up, which then waits for the TTL: this event opens a new session.
        boolean wakeUpWaitsForTtl = !first && !state.hasOpenSession();
        double[] values = state.apply(event, record.f1, settings);
        emit(new FeatureVector(event.eventId(), event.userId(), event.type(), event.ts(), specVersion, values), event.ts());
        freshness.update(System.currentTimeMillis() - event.ts());
        user.update(state);

        // Within a session nothing moves, so most events touch no timer and no wake-at entry.
        if (first) {
            moveWakeUp(null, sessionWakeUp(state));
        } else if (wakeUpWaitsForTtl) {
            moveWakeUp(wakeAt.value(), sessionWakeUp(state));
        }
    }

    /** The wake-up timer fired: free what has expired, then wait for the next deadline. */
    @Override
    protected void wakeUp(long timestamp) throws Exception {
        UserState state = user.value();
        if (state == null) {
            return;
        }
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
        moveWakeUp(null, state.hasOpenSession() ? sessionWakeUp(state) : state.expiresAt(settings));
    }

    /** When to look at an open session again: a session gap after it would end now, or at the TTL. */
    private long sessionWakeUp(UserState state) {
        return Math.min(state.sessionEndsAt() + FeatureSpec.SESSION_GAP.toMillis(), state.expiresAt(settings));
    }

    private void moveWakeUp(Long from, long to) throws Exception {
        if (from != null) {
            deleteWakeUp(from);
        }
        setWakeUp(to);
        wakeAt.update(to);
    }
}
