package dev.flywheel.jobs.state;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.ItemEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.jobs.features.ItemFeatureStage;
import dev.flywheel.jobs.features.UserFeatures;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;

/**
 * Writes the scoring operator's item state and wake-up timers by running the item stage's own step
 * ({@link ItemFeatureStage}) on what the user stage computed for each item event.
 */
final class ItemStateBootstrap extends KeyedStateBootstrapFunction<String, Tuple2<ShopperEvent, UserFeatures>> {
    private static final long serialVersionUID = 1L;

    private final FeatureSettings settings;
    private transient ItemFeatureStage stage;

    ItemStateBootstrap(FeatureSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext context) {
        stage = new ItemFeatureStage(settings, getRuntimeContext());
    }

    @Override
    public void processElement(Tuple2<ShopperEvent, UserFeatures> record, Context ctx) throws Exception {
        stage.apply((ItemEvent) record.f0, record.f1.values(), ctx.timerService());
    }
}
