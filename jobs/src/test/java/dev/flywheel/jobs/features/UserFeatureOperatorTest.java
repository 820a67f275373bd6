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
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.ItemFeatures;
import dev.flywheel.features.OfflineFeatureReplay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class UserFeatureOperatorTest {
    private static final FeatureSettings SETTINGS = FeatureSettings.defaults();
    private static final long T0 = 1_767_225_600_000L;
    private static final long MINUTE = 60_000;

    @Test
    void stateAndOutputTypesAreFlinkPojos() {
        // With generic types disabled, anything else would fail the job at start-up.
        assertThat(FeatureTypes.USER_STATE).isInstanceOf(PojoTypeInfo.class);
        assertThat(FeatureTypes.ITEM_STATE).isInstanceOf(PojoTypeInfo.class);
        assertThat(FeatureTypes.FEATURE_VECTOR).isInstanceOf(PojoTypeInfo.class);
        assertThat(TypeInformation.of(ItemFeatures.class)).isInstanceOf(PojoTypeInfo.class);
    }

    @Test
    void vectorsEqualTheOfflineReplayWhateverTheArrivalOrder() throws Exception {
        List<ShopperEvent> events = simulatedEvents(7, 300, 5_000);
        List<Tuple2<ShopperEvent, ItemFeatures>> input = jittered(withItemFeatures(events, SETTINGS), p -> p.f0.ts(), 11);
        assertThat(input).isNotEqualTo(withItemFeatures(events, SETTINGS)); // the jitter did reorder

        var harness = userHarness(null);
        feed(harness, input, p -> p.f0.ts(), 25);
        harness.processWatermark(Long.MAX_VALUE);

        assertSameVectors(harness.extractOutputValues(), OfflineFeatureReplay.replay(events, SETTINGS));
    }

    @Test
    void snapshotAndRestoreGiveTheSameVectors() throws Exception {
        List<ShopperEvent> events = simulatedEvents(8, 200, 4_000);
        List<Tuple2<ShopperEvent, ItemFeatures>> input = jittered(withItemFeatures(events, SETTINGS), p -> p.f0.ts(), 12);
        List<Tuple2<ShopperEvent, ItemFeatures>> first = input.subList(0, 2_000);
        List<Tuple2<ShopperEvent, ItemFeatures>> rest = input.subList(2_000, input.size());

        var before = userHarness(null);
        feed(before, first, p -> p.f0.ts(), 25);
        // Events behind the last watermark are still buffered: the snapshot must carry them.
        OperatorSubtaskState snapshot = before.snapshot(1, 1);
        List<FeatureVector> output = new ArrayList<>(before.extractOutputValues());
        before.close();

        var after = userHarness(snapshot);
        feed(after, rest, p -> p.f0.ts(), 25);
        after.processWatermark(Long.MAX_VALUE);
        output.addAll(after.extractOutputValues());

        assertThat(output).hasSize(events.size());
        assertSameVectors(output, OfflineFeatureReplay.replay(events, SETTINGS));
    }

    @Test
    void sessionTimerClosesTheSessionAndTheTtlTimerLeavesNothing() throws Exception {
        FeatureSettings settings = new FeatureSettings(16, Duration.ofHours(2));
        var harness = harness(new UserFeatureOperator(settings), (Tuple2<ShopperEvent, ItemFeatures> p) -> p.f0.userId(),
                FeatureTypes.FEATURE_VECTOR, null);
        harness.processElement(pair("e1", "u1", T0), T0);
        harness.processElement(pair("e2", "u1", T0 + MINUTE), T0 + MINUTE);
        assertThat(harness.extractOutputValues()).isEmpty(); // waits for the watermark, in memory
        assertThat(harness.numEventTimeTimers()).isZero();

        harness.processWatermark(T0 + MINUTE);
        assertThat(harness.extractOutputValues()).extracting(FeatureVector::eventId).containsExactly("e1", "e2");
        // One wake-up, a session gap after the first session's end (e1 + 60 min), next to the
        // user's state and the time of that wake-up.
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
        harness.processWatermark(T0 + 59 * MINUTE);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);

        // At e1 + 60 min the session has ended (e2 + 30 min): the wake-up closes it and waits for
        // the TTL.
        harness.processWatermark(T0 + 61 * MINUTE);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
        long afterSession = T0 + 62 * MINUTE;
        harness.processElement(pair("e2b", "u1", afterSession), afterSession);
        harness.processWatermark(afterSession);
        // The TTL wake-up was replaced by one for the new session, not joined by it.
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(harness.extractOutputValues().get(2).value("session_events")).isEqualTo(1);
        assertThat(harness.extractOutputValues().get(2).value("secs_since_last_event")).isEqualTo(61 * 60);

        harness.processWatermark(afterSession + Duration.ofHours(2).toMillis() - 1);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
        harness.processWatermark(afterSession + Duration.ofHours(2).toMillis());
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).isZero();

        // The user comes back: a first event again.
        long back = T0 + Duration.ofHours(5).toMillis();
        harness.processElement(pair("e3", "u1", back), back);
        harness.processWatermark(back);
        FeatureVector again = harness.extractOutputValues().get(3);
        assertThat(again.value("secs_since_last_event")).isEqualTo(-1);
        assertThat(again.value("session_events")).isEqualTo(1);
    }

    @Test
    void eventsWithinASessionAddNoTimers() throws Exception {
        var harness = userHarness(null);
        for (int i = 0; i < 10; i++) {
            long ts = T0 + i * MINUTE;
            harness.processElement(pair("e" + i, "u1", ts), ts);
            harness.processWatermark(ts);
        }
        assertThat(harness.extractOutputValues()).hasSize(10);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(harness.extractOutputValues().get(9).value("session_events")).isEqualTo(10);
    }

    @Test
    void anEventBehindThisStagesWatermarkIsLateAndGetsNoVector() throws Exception {
        var harness = userHarness(null);
        harness.processElement(pair("e1", "u1", T0), T0);
        harness.processWatermark(T0 + MINUTE);
        harness.processElement(pair("late", "u1", T0 + 30_000), T0 + 30_000);
        harness.processWatermark(T0 + 2 * MINUTE);

        assertThat(harness.getSideOutput(EventTimeOrderedOperator.LATE_EVENTS)).extracting(StreamRecord::getValue)
                .extracting(ShopperEvent::eventId).containsExactly("late");
        assertThat(harness.extractOutputValues()).extracting(FeatureVector::eventId).containsExactly("e1");
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Tuple2<ShopperEvent, ItemFeatures>, FeatureVector>
            userHarness(OperatorSubtaskState restoreFrom) throws Exception {
        return harness(new UserFeatureOperator(SETTINGS), p -> p.f0.userId(), FeatureTypes.FEATURE_VECTOR, restoreFrom);
    }

    private static Tuple2<ShopperEvent, ItemFeatures> pair(String id, String user, long ts) {
        return Tuple2.of(new ShopperEvent.View(new EventHeader(id, ts, user, "s"), "i1", "books", 12.0),
                new ItemFeatures(1, 1, 0, 12.0));
    }

    static void assertSameVectors(List<FeatureVector> online, List<FeatureVector> offline) {
        assertThat(online).hasSameSizeAs(offline);
        Map<String, FeatureVector> byEvent = online.stream()
                .collect(Collectors.toMap(FeatureVector::eventId, Function.identity()));
        for (FeatureVector expected : offline) {
            // Bit for bit: both sides run the same code on the same events in the same order.
            assertThat(byEvent.get(expected.eventId())).as(expected.eventId()).isEqualTo(expected);
        }
    }
}
