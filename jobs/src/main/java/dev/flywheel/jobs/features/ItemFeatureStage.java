package dev.flywheel.jobs.features;

import dev.flywheel.events.ShopperEvent.ItemEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.ItemFeatures;
import dev.flywheel.features.ItemState;
import java.io.IOException;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.TimerService;

/**
 * The item stage's keyed state and what one event or one wake-up does to it, shared by the
 * streaming {@code ScoringFunction} and the bootstrap job as {@link UserFeatureStage} is. Items
 * expire as users do: one wake-up timer per item, set at first sight for the state TTL and set
 * again for the new deadline when it fires early.
 */
public final class ItemFeatureStage {
    /** The item's {@link ItemState}; part of the savepoint format. */
    public static final String ITEM_STATE = "item";

    /** What one event did, for the caller's metrics. */
    public record Applied(ItemFeatures features, boolean created, boolean outOfOrder) {
    }

    private final FeatureSettings settings;
    private final ValueState<ItemState> item;

    public ItemFeatureStage(FeatureSettings settings, RuntimeContext context) {
        this.settings = settings;
        this.item = context.getState(itemDescriptor());
    }

    public static ValueStateDescriptor<ItemState> itemDescriptor() {
        return new ValueStateDescriptor<>(ITEM_STATE, FeatureTypes.ITEM_STATE);
    }

    /**
     * Applies the current item's next event.
     *
     * @param userFeatures the event's vector with the user stage's features filled in
     */
    public Applied apply(ItemEvent event, double[] userFeatures, TimerService timers) throws IOException {
        ItemState state = item.value();
        boolean first = state == null;
        boolean outOfOrder = false;
        if (first) {
            state = new ItemState();
        } else {
            outOfOrder = state.isOutOfOrder(event.ts());
        }
        ItemFeatures features = state.apply(event, userFeatures, settings);
        item.update(state);
        if (first) {
            timers.registerEventTimeTimer(state.expiresAt(settings));
        }
        return new Applied(features, first, outOfOrder);
    }

    /**
     * The current item's wake-up fired: deletes it if its TTL has passed, else waits for the new
     * deadline.
     *
     * @return whether the item was deleted
     */
    public boolean wakeUp(long timestamp, TimerService timers) throws IOException {
        ItemState state = item.value();
        if (state == null) {
            return false;
        }
        if (timestamp >= state.expiresAt(settings)) {
            item.clear();
            return true;
        }
        timers.registerEventTimeTimer(state.expiresAt(settings));
        return false;
    }
}
