package dev.flywheel.jobs.features;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.UserState;
import java.io.IOException;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimerService;

/**
 * The user stage's keyed state and what one event or one wake-up does to it: the single piece of
 * code behind the streaming {@link UserFeatureFunction} and the bootstrap job
 * ({@code dev.flywheel.jobs.state.BootstrapJob}), so a bootstrapped savepoint holds exactly the
 * state, under the same names and serialisers, and the same timers, that streaming the same events
 * would have left. The state names are part of the savepoint format: renaming one orphans it.
 */
public final class UserFeatureStage {
    /** The user's {@link UserState}. */
    public static final String USER_STATE = "user";
    /** When the user's wake-up timer is set for; absent while they have no state. */
    public static final String WAKE_AT_STATE = "wake-at";

    /** What one event did, for the caller's metrics. */
    public record Applied(UserFeatures features, boolean created, boolean outOfOrder) {
    }

    private final FeatureSettings settings;
    private final ValueState<UserState> user;
    private final ValueState<Long> wakeAt;

    public UserFeatureStage(FeatureSettings settings, RuntimeContext context) {
        this.settings = settings;
        this.user = context.getState(userDescriptor());
        this.wakeAt = context.getState(wakeAtDescriptor());
    }

    public static ValueStateDescriptor<UserState> userDescriptor() {
        return new ValueStateDescriptor<>(USER_STATE, FeatureTypes.USER_STATE);
    }

    public static ValueStateDescriptor<Long> wakeAtDescriptor() {
        return new ValueStateDescriptor<>(WAKE_AT_STATE, Types.LONG);
    }

    /** Applies the current key's next event and moves its wake-up timer where needed. */
    public Applied apply(ShopperEvent event, TimerService timers) throws IOException {
        UserState state = user.value();
        boolean first = state == null;
        boolean outOfOrder = false;
        if (first) {
            state = new UserState();
        } else {
            outOfOrder = state.isOutOfOrder(event.ts());
        }
        // Closed only by a wake-up, which then waits for the TTL: this event opens a new session.
        boolean wakeUpWaitsForTtl = !first && !state.hasOpenSession();
        double[] values = state.applyUser(event, settings);
        user.update(state);

        // Within a session nothing moves, so most events touch no timer and no wake-at entry.
        if (first) {
            moveWakeUp(timers, null, sessionWakeUp(state));
        } else if (wakeUpWaitsForTtl) {
            moveWakeUp(timers, wakeAt.value(), sessionWakeUp(state));
        }
        return new Applied(new UserFeatures(values, state.usualUnitPrice()), first, outOfOrder);
    }

    /**
     * The current key's wake-up fired at {@code timestamp}: frees what has expired, then waits for
     * the next deadline.
     *
     * @return whether the user was deleted
     */
    public boolean wakeUp(long timestamp, TimerService timers) throws IOException {
        UserState state = user.value();
        if (state == null) {
            return false;
        }
        if (timestamp >= state.expiresAt(settings)) {
            user.clear();
            wakeAt.clear();
            return true;
        }
        if (state.hasOpenSession() && timestamp >= state.sessionEndsAt()) {
            state.closeSession();
            user.update(state);
        }
        moveWakeUp(timers, null, state.hasOpenSession() ? sessionWakeUp(state) : state.expiresAt(settings));
        return false;
    }

    /** When to look at an open session again: a session gap after it would end now, or at the TTL. */
    private long sessionWakeUp(UserState state) {
        return Math.min(state.sessionEndsAt() + FeatureSpec.SESSION_GAP.toMillis(), state.expiresAt(settings));
    }

    private void moveWakeUp(TimerService timers, Long from, long to) throws IOException {
        if (from != null) {
            timers.deleteEventTimeTimer(from);
        }
        timers.registerEventTimeTimer(to);
        wakeAt.update(to);
    }
}
