package dev.flywheel.jobs.features;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.ItemEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.ItemFeatures;
import dev.flywheel.features.ItemState;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToLongFunction;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/** Inputs and drivers shared by the feature operators' harness tests. */
final class FeatureHarness {
    /** Arrival jitter of the harness streams; watermarks trail the newest event by more than this. */
    static final long JITTER_MS = 2_000;

    private FeatureHarness() {
    }

    static List<ShopperEvent> simulatedEvents(long seed, int users, int count) {
        return new ShopSimulator(SimulatorConfig.defaults(seed).withUsers(users)).take(count).stream()
                .map(SimulatedEvent::event).toList();
    }

    /** The item stage's output for these events, computed offline in the feature layer's order. */
    static List<Tuple2<ShopperEvent, ItemFeatures>> withItemFeatures(List<ShopperEvent> events, FeatureSettings settings) {
        List<ShopperEvent> ordered = new ArrayList<>(events);
        ordered.sort(OfflineFeatureReplay.EVENT_ORDER);
        Map<String, ItemState> items = new HashMap<>();
        List<Tuple2<ShopperEvent, ItemFeatures>> pairs = new ArrayList<>();
        for (ShopperEvent event : ordered) {
            ItemFeatures features = event instanceof ItemEvent itemEvent
                    ? items.computeIfAbsent(itemEvent.itemId(), id -> new ItemState()).apply(itemEvent, settings)
                    : ItemFeatures.NONE;
            pairs.add(Tuple2.of(event, features));
        }
        return pairs;
    }

    /** The records in a seeded arrival order: each is delayed by up to {@link #JITTER_MS}. */
    static <T> List<T> jittered(List<T> records, ToLongFunction<T> eventTime, long seed) {
        Random random = new Random(seed);
        List<Tuple2<Long, T>> arrivals = new ArrayList<>();
        for (T record : records) {
            arrivals.add(Tuple2.of(eventTime.applyAsLong(record) + (long) (random.nextDouble() * JITTER_MS), record));
        }
        arrivals.sort(Comparator.comparingLong(arrival -> arrival.f0));
        return arrivals.stream().map(arrival -> arrival.f1).toList();
    }

    /**
     * Feeds records in the given order, with a bounded-out-of-orderness watermark after every
     * {@code watermarkEvery} records, as a source with that bound would emit.
     */
    static <T> void feed(KeyedOneInputStreamOperatorTestHarness<String, T, ?> harness, List<T> records,
            ToLongFunction<T> eventTime, int watermarkEvery) throws Exception {
        long newest = Long.MIN_VALUE;
        int sinceWatermark = 0;
        for (T record : records) {
            long ts = eventTime.applyAsLong(record);
            newest = Math.max(newest, ts);
            harness.processElement(record, ts);
            if (++sinceWatermark == watermarkEvery) {
                harness.processWatermark(newest - JITTER_MS - 1);
                sinceWatermark = 0;
            }
        }
    }

    /**
     * A harness for one operator, fresh or restored from a snapshot. The output type is given: the
     * harness would otherwise derive it from the first record's class (a {@code View}, say) and fail
     * on the next record of another event type.
     */
    static <I, O> KeyedOneInputStreamOperatorTestHarness<String, I, O> harness(
            OneInputStreamOperator<I, O> operator, KeySelector<I, String> key, TypeInformation<O> outputType,
            OperatorSubtaskState restoreFrom) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, I, O> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(operator, key, Types.STRING);
        harness.setup(outputType.createSerializer(new SerializerConfigImpl()));
        if (restoreFrom != null) {
            harness.initializeState(restoreFrom);
        }
        harness.open();
        return harness;
    }
}
