package dev.flywheel.jobs.features;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.UserState;
import dev.flywheel.jobs.SecondsHistogram;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The keyed-by-user stage, straight after the source: recency, decayed frequency and spend,
 * category affinity and the current session, applied <b>on arrival</b>. The clickstream is keyed by
 * user, so one user's events come from one partition through one source subtask and one channel,
 * in the order they were written; nothing waits for a watermark. Its output is the event with the
 * user part of its vector, on its way to the item stage.
 *
 * <p>An event older than the user's newest applied event (written out of order) is applied too and
 * counted in {@code events_out_of_order}; {@link UserState#applyUser} says what it does to each
 * feature.
 *
 * <p>Expiry: each user has one wake-up timer (event time), set when a session opens for a session
 * gap after its end as of then (first event + 60 min). Events within a session do not move it; when
 * it fires it closes the session if it really ended (last event + 30 min), deletes the user if the
 * state TTL has passed since their last event, and otherwise sets itself for the next of those
 * deadlines. Timer queue work was the largest cost of this stage after the features themselves,
 * hence the slack. The features never depend on when it fires ({@link dev.flywheel.features.UserState#applyUser} closes
 * sessions and forgets users from event-time gaps itself); it only frees state, so an expired
 * user leaves no state entry and no timer.
 *
 * <p>Metrics: {@code events_out_of_order}, {@code feature_freshness_seconds} (wall clock minus event time
 * when the user part is made), {@code users_created}, {@code users_expired} and {@code users_live},
 * their difference since this subtask started (a restore starts the count again).
 *
 * <p>State, timers and their rules are {@link UserFeatureStage}'s, which the bootstrap job runs too.
 */
public final class UserFeatureFunction extends KeyedProcessFunction<String, ShopperEvent, Tuple2<ShopperEvent, UserFeatures>> {
    private static final long serialVersionUID = 1L;

    private final FeatureSettings settings;

    private transient UserFeatureStage stage;
    private transient Histogram freshness;
    private transient Counter outOfOrder;
    private transient Counter usersCreated;
    private transient Counter usersExpired;

    public UserFeatureFunction(FeatureSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext context) {
        stage = new UserFeatureStage(settings, getRuntimeContext());
        var metrics = getRuntimeContext().getMetricGroup();
        freshness = metrics.histogram("feature_freshness_seconds", new SecondsHistogram(TimeUnit.MILLISECONDS, 10_000));
        outOfOrder = metrics.counter("events_out_of_order");
        usersCreated = metrics.counter("users_created");
        usersExpired = metrics.counter("users_expired");
        metrics.gauge("users_live", () -> usersCreated.getCount() - usersExpired.getCount());
    }

    @Override
    public void processElement(ShopperEvent event, Context ctx, Collector<Tuple2<ShopperEvent, UserFeatures>> out)
            throws Exception {
        UserFeatureStage.Applied applied = stage.apply(event, ctx.timerService());
        if (applied.created()) {
            usersCreated.inc();
        } else if (applied.outOfOrder()) {
            outOfOrder.inc();
        }
        out.collect(Tuple2.of(event, applied.features()));
        freshness.update(System.currentTimeMillis() - event.ts());
    }

    /** The wake-up timer fired: free what has expired, then wait for the next deadline. */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Tuple2<ShopperEvent, UserFeatures>> out)
            throws Exception {
        if (stage.wakeUp(timestamp, ctx.timerService())) {
            usersExpired.inc();
        }
    }
}
