package dev.flywheel.jobs.state;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.jobs.features.UserFeatureStage;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;

/** Writes the user stage's state and wake-up timers by running its own step ({@link UserFeatureStage}). */
final class UserStateBootstrap extends KeyedStateBootstrapFunction<String, ShopperEvent> {
    private static final long serialVersionUID = 1L;

    private final FeatureSettings settings;
    private transient UserFeatureStage stage;

    UserStateBootstrap(FeatureSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext context) {
        stage = new UserFeatureStage(settings, getRuntimeContext());
    }

    @Override
    public void processElement(ShopperEvent event, Context ctx) throws Exception {
        // Timers registered here are written into the savepoint and never fire in this job.
        stage.apply(event, ctx.timerService());
    }
}
