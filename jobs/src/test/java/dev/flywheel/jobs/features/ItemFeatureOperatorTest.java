package dev.flywheel.jobs.features;

import static dev.flywheel.jobs.features.FeatureHarness.feed;
import static dev.flywheel.jobs.features.FeatureHarness.harness;
import static dev.flywheel.jobs.features.FeatureHarness.jittered;
import static dev.flywheel.jobs.features.FeatureHarness.simulatedEvents;
import static dev.flywheel.jobs.features.FeatureHarness.withItemFeatures;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.ItemFeatures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class ItemFeatureOperatorTest {
    private static final FeatureSettings SETTINGS = FeatureSettings.defaults();
    private static final long T0 = 1_767_225_600_000L;
    private static final long MINUTE = 60_000;

    @Test
    void itemFeaturesEqualTheOfflineOnesWhateverTheArrivalOrder() throws Exception {
        List<ShopperEvent> events = simulatedEvents(21, 500, 5_000);
        var harness = itemHarness(SETTINGS, null);
        feed(harness, jittered(events, ShopperEvent::ts, 3), ShopperEvent::ts, 25);
        harness.processWatermark(Long.MAX_VALUE);

        assertSamePairs(harness.extractOutputValues(), withItemFeatures(events, SETTINGS));
    }

    @Test
    void snapshotAndRestoreGiveTheSameFeatures() throws Exception {
        List<ShopperEvent> events = jittered(simulatedEvents(22, 500, 4_000), ShopperEvent::ts, 4);
        var before = itemHarness(SETTINGS, null);
        feed(before, events.subList(0, 2_000), ShopperEvent::ts, 25);
        OperatorSubtaskState snapshot = before.snapshot(1, 1);
        List<Tuple2<ShopperEvent, ItemFeatures>> output = new ArrayList<>(before.extractOutputValues());
        before.close();

        var after = itemHarness(SETTINGS, snapshot);
        feed(after, events.subList(2_000, events.size()), ShopperEvent::ts, 25);
        after.processWatermark(Long.MAX_VALUE);
        output.addAll(after.extractOutputValues());

        assertSamePairs(output, withItemFeatures(events, SETTINGS));
    }

    @Test
    void aRestoreFromALaterSnapshotDoesNotReplayEventsReleasedBeforeIt() throws Exception {
        List<ShopperEvent> events = jittered(simulatedEvents(23, 500, 4_000), ShopperEvent::ts, 5);
        var before = itemHarness(SETTINGS, null);
        feed(before, events.subList(0, 1_000), ShopperEvent::ts, 25);
        before.snapshot(1, 1); // writes the events waiting now; most are released before the next one
        feed(before, events.subList(1_000, 2_000), ShopperEvent::ts, 25);
        OperatorSubtaskState second = before.snapshot(2, 2);
        List<Tuple2<ShopperEvent, ItemFeatures>> output = new ArrayList<>(before.extractOutputValues());
        before.close();

        var after = itemHarness(SETTINGS, second);
        feed(after, events.subList(2_000, events.size()), ShopperEvent::ts, 25);
        after.processWatermark(Long.MAX_VALUE);
        output.addAll(after.extractOutputValues());

        assertThat(output).hasSize(events.size());
        assertSamePairs(output, withItemFeatures(events, SETTINGS));
    }

    @Test
    void waitingEventsUseNoTimersAndNoStateUntilACheckpoint() throws Exception {
        var harness = itemHarness(SETTINGS, null);
        for (int i = 0; i < 5; i++) {
            harness.processElement(view("e" + i, "u1", "i" + i, T0 + i), T0 + i);
        }
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).isZero();
        harness.snapshot(1, 1);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(5); // one list of waiting events per item
        harness.processWatermark(T0 + 10);
        harness.snapshot(2, 2);
        // Released: five items with state and a wake-up each, and no list of waiting events left.
        assertThat(harness.numKeyedStateEntries()).isEqualTo(5);
        assertThat(harness.numEventTimeTimers()).isEqualTo(5);
    }

    @Test
    void anEventBehindTheWatermarkIsLateAndChangesNothing() throws Exception {
        var harness = itemHarness(SETTINGS, null);
        harness.processElement(view("e1", "u1", "i1", T0), T0);
        harness.processWatermark(T0 + MINUTE);
        harness.processElement(view("late", "u2", "i1", T0 + 30_000), T0 + 30_000);
        harness.processElement(view("e2", "u1", "i1", T0 + 2 * MINUTE), T0 + 2 * MINUTE);
        harness.processWatermark(T0 + 2 * MINUTE);

        assertThat(harness.getSideOutput(EventTimeOrderedOperator.LATE_EVENTS)).extracting(StreamRecord::getValue)
                .extracting(ShopperEvent::eventId).containsExactly("late");
        List<Tuple2<ShopperEvent, ItemFeatures>> out = harness.extractOutputValues();
        assertThat(out).extracting(p -> p.f0.eventId()).containsExactly("e1", "e2");
        // Two views two minutes apart: the late one was not counted.
        assertThat(out.get(1).f1.popularity1h()).isEqualTo(1 + Math.pow(2, -2.0 / 60), within());
    }

    @Test
    void searchesPassThroughAndAnExpiredItemLeavesNothing() throws Exception {
        var harness = itemHarness(new FeatureSettings(16, Duration.ofHours(1)), null);
        ShopperEvent search = new ShopperEvent.Search(new EventHeader("s1", T0, "u1", "s"), "shoes", List.of(), "r1");
        harness.processElement(search, T0);
        harness.processElement(view("e1", "u1", "i1", T0), T0);
        harness.processWatermark(T0);
        assertThat(harness.extractOutputValues()).extracting(p -> p.f1)
                .containsExactlyInAnyOrder(ItemFeatures.NONE, new ItemFeatures(1, 1, 0, 12.0));
        // Item i1 only: its state and its wake-up timer; the search left nothing.
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        // Seen again: the wake-up stays, fires at the old deadline and moves to the new one.
        harness.processElement(view("e2", "u1", "i1", T0 + MINUTE), T0 + MINUTE);
        harness.processWatermark(T0 + Duration.ofHours(1).toMillis());
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);

        harness.processWatermark(T0 + MINUTE + Duration.ofHours(1).toMillis());
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-12);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ShopperEvent, Tuple2<ShopperEvent, ItemFeatures>>
            itemHarness(FeatureSettings settings, OperatorSubtaskState restoreFrom) throws Exception {
        return harness(new ItemFeatureOperator(settings), ItemFeatureOperator::key, FeatureTypes.EVENT_WITH_ITEM, restoreFrom);
    }

    private static ShopperEvent view(String id, String user, String item, long ts) {
        return new ShopperEvent.View(new EventHeader(id, ts, user, "s"), item, "books", 12.0);
    }

    private static void assertSamePairs(List<Tuple2<ShopperEvent, ItemFeatures>> online,
            List<Tuple2<ShopperEvent, ItemFeatures>> offline) {
        assertThat(online).hasSameSizeAs(offline);
        Map<String, ItemFeatures> byEvent = online.stream().collect(Collectors.toMap(p -> p.f0.eventId(), p -> p.f1));
        for (Tuple2<ShopperEvent, ItemFeatures> expected : offline) {
            assertThat(byEvent.get(expected.f0.eventId())).as(expected.f0.eventId()).isEqualTo(expected.f1);
        }
    }
}
