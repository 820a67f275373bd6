package dev.flywheel.jobs.state;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.ItemEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.UserState;
import dev.flywheel.jobs.features.FeatureTypes;
import dev.flywheel.jobs.features.UserFeatureStage;
import dev.flywheel.jobs.features.UserFeatures;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The user stage of a bootstrap: {@link UserFeatureStage}'s step on every event of the history,
 * item events passed on with their vector (as the streaming {@code UserFeatureFunction} passes
 * them to the item stage), and at the end of the history each user's state and wake-up time, for
 * {@link UserStateWriter} to put into the savepoint. One pass computes both, so the user stage
 * runs once per event.
 *
 * <p>The end is the watermark a bounded source emits last ({@code Long.MAX_VALUE}); the history
 * carries no other watermark, so it is the only time a timer fires here. Each user has exactly one
 * wake-up timer ({@link UserFeatureStage} moves it, never adds a second), so each user's final
 * state leaves exactly once, and its timestamp is the wake-up the restored job must have.
 */
final class UserStageToEnd extends KeyedProcessFunction<String, ShopperEvent, Tuple2<ShopperEvent, UserFeatures>> {
    private static final long serialVersionUID = 1L;

    /** user id, final state, wake-up time. */
    static final TypeInformation<Tuple3<String, UserState, Long>> FINAL_STATE_TYPE =
            Types.TUPLE(Types.STRING, FeatureTypes.USER_STATE, Types.LONG);
    static final OutputTag<Tuple3<String, UserState, Long>> FINAL_STATE =
            new OutputTag<>("final-user-state", FINAL_STATE_TYPE);

    private final FeatureSettings settings;
    private transient UserFeatureStage stage;
    private transient ValueState<UserState> user;

    UserStageToEnd(FeatureSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext context) {
        stage = new UserFeatureStage(settings, getRuntimeContext());
        user = getRuntimeContext().getState(UserFeatureStage.userDescriptor());
    }

    @Override
    public void processElement(ShopperEvent event, Context ctx, Collector<Tuple2<ShopperEvent, UserFeatures>> out)
            throws Exception {
        UserFeatures features = stage.apply(event, ctx.timerService()).features();
        if (event instanceof ItemEvent) {
            out.collect(Tuple2.of(event, features));
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Tuple2<ShopperEvent, UserFeatures>> out)
            throws Exception {
        ctx.output(FINAL_STATE, Tuple3.of(ctx.getCurrentKey(), user.value(), timestamp));
    }
}
