package dev.flywheel.jobs.features;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.ItemEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.ItemFeatures;
import dev.flywheel.features.ItemState;
import dev.flywheel.jobs.events.ShopperEventTypeInfo;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;

/**
 * The keyed-by-item stage: adds the item's popularity, conversion rate and price to each event.
 * Keyed by {@link #key}: the item id, or the user id for searches, which concern no item and
 * pass through with {@link ItemFeatures#NONE}.
 *
 * <p>Events are applied in event order once the watermark passes them (see
 * {@link EventTimeOrderedOperator}): an item sees the events of many users from many partitions.
 * That costs latency (the out-of-orderness bound plus the watermark interval) and buys
 * determinism. Every state entry and timer of an item is gone once it has been silent for the state
 * TTL: one wake-up timer per item, set at first sight for the TTL and, when it fires early because
 * the item was seen since, set again for the new deadline (cheaper than moving it on every event).
 * Metrics: {@code eventsLate}, {@code eventsBuffered}, {@code itemsExpired}.
 */
public final class ItemFeatureOperator extends EventTimeOrderedOperator<ShopperEvent, Tuple2<ShopperEvent, ItemFeatures>> {
    private static final long serialVersionUID = 1L;

    private final FeatureSettings settings;

    private transient ValueState<ItemState> item;
    private transient Counter itemsExpired;

    public ItemFeatureOperator(FeatureSettings settings) {
        super(ShopperEventTypeInfo.INSTANCE);
        this.settings = settings;
    }

    /** The stage's key: the item, or the user for events about no item. */
    public static String key(ShopperEvent event) {
        return event instanceof ItemEvent itemEvent ? itemEvent.itemId() : event.userId();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        item = context.getKeyedStateStore().getState(new ValueStateDescriptor<>("item", FeatureTypes.ITEM_STATE));
    }

    @Override
    public void open() throws Exception {
        super.open();
        itemsExpired = getMetricGroup().counter("itemsExpired");
    }

    @Override
    protected ShopperEvent eventOf(ShopperEvent record) {
        return record;
    }

    @Override
    protected void apply(ShopperEvent event) throws Exception {
        if (!(event instanceof ItemEvent itemEvent)) {
            emit(Tuple2.of(event, ItemFeatures.NONE), event.ts());
            return;
        }
        ItemState state = item.value();
        boolean first = state == null;
        if (first) {
            state = new ItemState();
        }
        emit(Tuple2.of(event, state.apply(itemEvent, settings)), event.ts());
        item.update(state);
        if (first) {
            setWakeUp(state.expiresAt(settings));
        }
    }

    @Override
    protected void wakeUp(long timestamp) throws Exception {
        // The item's only timer: set when its state is created, and again each time it fires early.
        ItemState state = item.value();
        if (state == null) {
            return;
        }
        if (timestamp >= state.expiresAt(settings)) {
            item.clear();
            itemsExpired.inc();
        } else {
            setWakeUp(state.expiresAt(settings));
        }
    }
}
