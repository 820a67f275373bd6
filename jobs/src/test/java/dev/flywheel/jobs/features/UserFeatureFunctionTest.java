package dev.flywheel.jobs.features;

import static dev.flywheel.jobs.features.FeatureHarness.USER_AND_SESSION;
import static dev.flywheel.jobs.features.FeatureHarness.simulatedEvents;
import static dev.flywheel.jobs.features.FeatureHarness.userStage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.ItemFeatures;
import dev.flywheel.features.OfflineFeatureReplay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class UserFeatureFunctionTest {
    private static final FeatureSettings SETTINGS = FeatureSettings.defaults();
    private static final FeatureSpec SPEC = FeatureSpec.current();
    private static final long T0 = 1_767_225_600_000L;
    private static final long MINUTE = 60_000;

    @Test
    void stateAndRecordTypesAreFlinkPojos() {
        // With generic types disabled, anything else would fail the job at start-up.
        assertThat(FeatureTypes.USER_STATE).isInstanceOf(PojoTypeInfo.class);
        assertThat(FeatureTypes.ITEM_STATE).isInstanceOf(PojoTypeInfo.class);
        assertThat(FeatureTypes.FEATURE_VECTOR).isInstanceOf(PojoTypeInfo.class);
        assertThat(FeatureTypes.DECISION).isInstanceOf(PojoTypeInfo.class);
        assertThat(FeatureTypes.OUTCOME).isInstanceOf(PojoTypeInfo.class);
        assertThat(TypeInformation.of(ItemFeatures.class)).isInstanceOf(PojoTypeInfo.class);
    }

    @Test
    void everyEventLeavesOnArrivalWithTheOfflineReplaysUserFeatures() throws Exception {
        List<ShopperEvent> events = simulatedEvents(7, 300, 5_000);
        var harness = userStage(new UserFeatureFunction(SETTINGS), null);
        List<Tuple2<ShopperEvent, UserFeatures>> output = new ArrayList<>();
        for (ShopperEvent event : events) {
            harness.processElement(event, event.ts());
            // No watermark ever arrives: the event's features leave with it.
            output.addAll(harness.extractOutputValues().subList(output.size(), harness.extractOutputValues().size()));
            assertThat(output).hasSize(events.indexOf(event) + 1);
        }
        assertSameUserFeatures(output, OfflineFeatureReplay.replay(events, SETTINGS));
    }

    @Test
    void snapshotAndRestoreGiveTheSameFeatures() throws Exception {
        List<ShopperEvent> events = simulatedEvents(8, 200, 4_000);
        var before = userStage(new UserFeatureFunction(SETTINGS), null);
        events.subList(0, 2_000).forEach(event -> process(before, event));
        OperatorSubtaskState snapshot = before.snapshot(1, 1);
        List<Tuple2<ShopperEvent, UserFeatures>> output = new ArrayList<>(before.extractOutputValues());
        before.close();

        var after = userStage(new UserFeatureFunction(SETTINGS), snapshot);
        events.subList(2_000, events.size()).forEach(event -> process(after, event));
        output.addAll(after.extractOutputValues());
        assertSameUserFeatures(output, OfflineFeatureReplay.replay(events, SETTINGS));
    }

    @Test
    void anOutOfOrderEventIsAppliedDecayedAndCounted() throws Exception {
        var harness = userStage(new UserFeatureFunction(SETTINGS), null);
        harness.processElement(view("e1", T0 + 10 * MINUTE), T0 + 10 * MINUTE);
        harness.processElement(view("older", T0), T0);
        harness.processElement(view("e2", T0 + 20 * MINUTE), T0 + 20 * MINUTE);
        List<Tuple2<ShopperEvent, UserFeatures>> out = harness.extractOutputValues();
        assertThat(out).extracting(pair -> pair.f0.eventId()).containsExactly("e1", "older", "e2");

        double[] older = out.get(1).f1.values();
        assertThat(older[SPEC.indexOf("secs_since_last_event")]).isZero(); // a newer event exists: no negative gap
        // The older view adds 2^(-10 min / 1 h), what it would have left by e1's time in order.
        assertThat(older[SPEC.indexOf("user_views_1h")]).isCloseTo(1 + Math.pow(2, -10.0 / 60), within(1e-12));
        assertThat(older[SPEC.indexOf("session_events")]).isEqualTo(2);

        // From then on the state is what the events in time order would have left.
        double[] inOrder = OfflineFeatureReplay.replay(List.of(view("older", T0), view("e1", T0 + 10 * MINUTE),
                view("e2", T0 + 20 * MINUTE)), SETTINGS).get(2).values();
        double[] e2 = out.get(2).f1.values();
        for (String name : List.of("user_views_1h", "user_views_1d", "user_views_7d", "session_events",
                "session_duration_secs", "secs_since_last_event", "category_affinity")) {
            assertThat(e2[SPEC.indexOf(name)]).as(name).isCloseTo(inOrder[SPEC.indexOf(name)], within(1e-12));
        }
    }

    @Test
    void sessionWakeUpClosesTheSessionAndTheTtlLeavesNothing() throws Exception {
        FeatureSettings settings = new FeatureSettings(16, Duration.ofHours(2));
        var harness = userStage(new UserFeatureFunction(settings), null);
        harness.processElement(view("e1", T0), T0);
        harness.processElement(view("e2", T0 + MINUTE), T0 + MINUTE);
        // Out on arrival; one wake-up, a session gap after the first session's end (e1 + 60 min),
        // next to the user's state and the time of that wake-up.
        assertThat(harness.extractOutputValues()).hasSize(2);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
        harness.processWatermark(T0 + 59 * MINUTE);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);

        // At e1 + 60 min the session has ended (e2 + 30 min): the wake-up closes it and waits for the TTL.
        harness.processWatermark(T0 + 61 * MINUTE);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        long afterSession = T0 + 62 * MINUTE;
        harness.processElement(view("e3", afterSession), afterSession);
        // The TTL wake-up was replaced by one for the new session, not joined by it.
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        double[] e3 = harness.extractOutputValues().get(2).f1.values();
        assertThat(e3[SPEC.indexOf("session_events")]).isEqualTo(1);
        assertThat(e3[SPEC.indexOf("secs_since_last_event")]).isEqualTo(61 * 60);

        harness.processWatermark(afterSession + Duration.ofHours(2).toMillis() - 1);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
        harness.processWatermark(afterSession + Duration.ofHours(2).toMillis());
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).isZero();

        // The user comes back: a first event again.
        long back = T0 + Duration.ofHours(5).toMillis();
        harness.processElement(view("e4", back), back);
        double[] again = harness.extractOutputValues().get(3).f1.values();
        assertThat(again[SPEC.indexOf("secs_since_last_event")]).isEqualTo(-1);
        assertThat(again[SPEC.indexOf("session_events")]).isEqualTo(1);
    }

    @Test
    void eventsWithinASessionAddNoTimers() throws Exception {
        var harness = userStage(new UserFeatureFunction(SETTINGS), null);
        for (int i = 0; i < 10; i++) {
            harness.processElement(view("e" + i, T0 + i * MINUTE), T0 + i * MINUTE);
        }
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(harness.extractOutputValues().get(9).f1.values()[SPEC.indexOf("session_events")]).isEqualTo(10);
    }

    private static void process(KeyedOneInputStreamOperatorTestHarness<String, ShopperEvent, ?> harness,
            ShopperEvent event) {
        try {
            harness.processElement(event, event.ts());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ShopperEvent view(String id, long ts) {
        return new ShopperEvent.View(new EventHeader(id, ts, "u1", "s"), "i1", "books", 12.0);
    }

    /** Bit for bit: both sides run the same code on the same events in the same order. */
    static void assertSameUserFeatures(List<Tuple2<ShopperEvent, UserFeatures>> online, List<FeatureVector> offline) {
        assertThat(online).hasSameSizeAs(offline);
        Map<String, UserFeatures> byEvent = online.stream()
                .collect(Collectors.toMap(pair -> pair.f0.eventId(), pair -> pair.f1, (a, b) -> a));
        for (FeatureVector expected : offline) {
            double[] actual = byEvent.get(expected.eventId()).values();
            for (int i : USER_AND_SESSION) {
                assertThat(actual[i]).as(expected.eventId() + " " + SPEC.names().get(i)).isEqualTo(expected.values()[i]);
            }
        }
    }
}
