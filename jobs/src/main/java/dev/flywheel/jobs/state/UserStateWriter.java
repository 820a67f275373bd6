package dev.flywheel.jobs.state;

import dev.flywheel.features.UserState;
import dev.flywheel.jobs.features.UserFeatureStage;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;

/**
 * Writes each user's final state from {@link UserStageToEnd} under the user stage's own state
 * names and serialisers, with its wake-up timer, which the restored job fires as its watermark
 * passes it.
 */
final class UserStateWriter extends KeyedStateBootstrapFunction<String, Tuple3<String, UserState, Long>> {
    private static final long serialVersionUID = 1L;

    private transient ValueState<UserState> user;
    private transient ValueState<Long> wakeAt;

    @Override
    public void open(OpenContext context) {
        user = getRuntimeContext().getState(UserFeatureStage.userDescriptor());
        wakeAt = getRuntimeContext().getState(UserFeatureStage.wakeAtDescriptor());
    }

    @Override
    public void processElement(Tuple3<String, UserState, Long> last, Context ctx) throws Exception {
        user.update(last.f1);
        wakeAt.update(last.f2);
        ctx.timerService().registerEventTimeTimer(last.f2);
    }
}
