package dev.flywheel.jobs.features;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.ItemEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.ItemFeatures;
import dev.flywheel.features.ItemState;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.jobs.events.ShopperEventTypeInfo;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The keyed-by-item stage: adds the item's popularity, conversion rate and price to each event.
 * Keyed by {@link #key}: the item id, or the user id for searches, which concern no item and
 * pass through with {@link ItemFeatures#NONE}.
 *
 * <p>Events wait in state until the watermark passes their time, then are applied in
 * {@link OfflineFeatureReplay#EVENT_ORDER}. That costs latency (the out-of-orderness bound plus the
 * watermark interval), and buys determinism: an item sees the events of many users from many
 * partitions, and applying them in arrival order would make its features depend on network timing.
 *
 * <p>An event already behind the watermark on arrival is <b>late</b>: it is counted in
 * {@code eventsLate}, sent to {@link #LATE_EVENTS} and gets no features, and it changes no state.
 * Every state entry and timer of an item is gone once it has been silent for the state TTL: one
 * wake-up timer per item, set at first sight for the TTL and, when it fires early because the
 * item was seen since, set again for the new deadline (cheaper than moving it on every event).
 */
public final class ItemFeatureFunction
        extends KeyedProcessFunction<String, ShopperEvent, Tuple2<ShopperEvent, ItemFeatures>> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<ShopperEvent> LATE_EVENTS = new OutputTag<>("late-events", ShopperEventTypeInfo.INSTANCE);

    private final FeatureSettings settings;

    private transient MapState<Long, List<ShopperEvent>> pending;
    private transient ValueState<ItemState> item;
    /** When this item's wake-up timer is set for; absent while it has no state. */
    private transient ValueState<Long> wakeAt;
    private transient Counter late;
    private transient Counter itemsExpired;

    public ItemFeatureFunction(FeatureSettings settings) {
        this.settings = settings;
    }

    /** The stage's key: the item, or the user for events about no item. */
    public static String key(ShopperEvent event) {
        return event instanceof ItemEvent itemEvent ? itemEvent.itemId() : event.userId();
    }

    @Override
    public void open(OpenContext context) {
        pending = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("pending-events", Types.LONG, FeatureTypes.EVENT_LIST));
        item = getRuntimeContext().getState(new ValueStateDescriptor<>("item", FeatureTypes.ITEM_STATE));
        wakeAt = getRuntimeContext().getState(new ValueStateDescriptor<>("wake-at", Types.LONG));
        late = getRuntimeContext().getMetricGroup().counter("eventsLate");
        itemsExpired = getRuntimeContext().getMetricGroup().counter("itemsExpired");
    }

    @Override
    public void processElement(ShopperEvent event, Context context, Collector<Tuple2<ShopperEvent, ItemFeatures>> out)
            throws Exception {
        if (event.ts() <= context.timerService().currentWatermark()) {
            late.inc();
            context.output(LATE_EVENTS, event);
            return;
        }
        List<ShopperEvent> due = pending.get(event.ts());
        if (due == null) {
            due = new ArrayList<>(1);
        }
        due.add(event);
        pending.put(event.ts(), due);
        context.timerService().registerEventTimeTimer(event.ts());
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<Tuple2<ShopperEvent, ItemFeatures>> out)
            throws Exception {
        ItemState state = item.value();
        List<ShopperEvent> due = pending.get(timestamp);
        if (due != null) {
            pending.remove(timestamp);
            due.sort(OfflineFeatureReplay.EVENT_ORDER);
            for (ShopperEvent event : due) {
                if (event instanceof ItemEvent itemEvent) {
                    if (state == null) {
                        state = new ItemState();
                    }
                    out.collect(Tuple2.of(event, state.apply(itemEvent, settings)));
                } else {
                    out.collect(Tuple2.of(event, ItemFeatures.NONE));
                }
            }
            if (state != null) {
                item.update(state);
            }
        }
        if (state == null) {
            return;
        }
        Long wake = wakeAt.value();
        if (wake == null) {
            setWakeUp(context, state.expiresAt(settings));
        } else if (wake == timestamp) {
            if (timestamp >= state.expiresAt(settings)) {
                item.clear();
                wakeAt.clear();
                itemsExpired.inc();
            } else {
                setWakeUp(context, state.expiresAt(settings));
            }
        }
    }

    private void setWakeUp(OnTimerContext context, long timestamp) throws Exception {
        context.timerService().registerEventTimeTimer(timestamp);
        wakeAt.update(timestamp);
    }
}
