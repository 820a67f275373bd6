package dev.flywheel.jobs.outcomes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.decisions.Decision;
import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.jobs.features.FeatureHarness;
import dev.flywheel.jobs.features.FeatureTypes;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.outcomes.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class OutcomeFunctionTest {
    private static final Attribution ATTRIBUTION = Attribution.defaults();
    private static final long T0 = 1_767_225_600_000L;
    private static final long MINUTE = 60_000;
    /** How far the harness watermark trails the newest event, as the job's bounded out-of-orderness. */
    private static final long BOUND = 5_000;

    @Test
    void labelsEqualTheOfflineAttributionAndNothingIsLeftInState() throws Exception {
        List<ShopperEvent> events = FeatureHarness.simulatedEvents(11, 300, 20_000);
        var harness = harness(null);
        feed(harness, events, 0, events.size());
        harness.processBothWatermarks(new Watermark(Long.MAX_VALUE));

        assertMatchesOffline(harness.extractOutputValues(), events);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void snapshotAndRestoreMidStreamGiveTheSameOutcomes() throws Exception {
        List<ShopperEvent> events = FeatureHarness.simulatedEvents(12, 200, 10_000);
        var before = harness(null);
        feed(before, events, 0, 5_000);
        OperatorSubtaskState snapshot = before.snapshot(1, 1);
        List<Outcome> outcomes = new ArrayList<>(before.extractOutputValues());
        before.close();

        var after = harness(snapshot);
        feed(after, events, 5_000, events.size());
        after.processBothWatermarks(new Watermark(Long.MAX_VALUE));
        outcomes.addAll(after.extractOutputValues());
        assertMatchesOffline(outcomes, events);
    }

    @Test
    void aUserHasOneWakeUpHoweverManyDecisionsWait() throws Exception {
        var harness = harness(null);
        for (int i = 0; i < 100; i++) {
            harness.processElement1(decision(view("v" + i, T0 + i * 10_000L)), T0 + i * 10_000L);
        }
        harness.processElement2(purchase("p1", "o1", T0 + 5 * MINUTE, 1), T0 + 5 * MINUTE);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);

        // The wake-up moves on as windows close, one at a time.
        harness.processBothWatermarks(new Watermark(T0 + 30 * MINUTE + 250_000));
        assertThat(harness.extractOutputValues()).hasSize(26);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        harness.processBothWatermarks(new Watermark(Long.MAX_VALUE));
        assertThat(harness.extractOutputValues()).hasSize(100);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aPurchaseThatArrivesBeforeTheDecisionStillLabelsIt() throws Exception {
        var harness = harness(null);
        ShopperEvent view = view("v1", T0);
        harness.processElement2(purchase("p1", "o1", T0 + MINUTE, 1), T0 + MINUTE);
        harness.processElement1(decision(view), T0);
        harness.processBothWatermarks(new Watermark(T0 + 31 * MINUTE));
        assertThat(harness.extractOutputValues()).singleElement().satisfies(outcome -> {
            assertThat(outcome.purchased()).isTrue();
            assertThat(outcome.orderId()).isEqualTo("o1");
            assertThat(outcome.labelTime()).isEqualTo(T0 + MINUTE);
        });
    }

    @Test
    void returnsWithinTheReturnWindowAreRecordedOnThePositiveOutcome() throws Exception {
        var harness = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new OutcomeFunction(ATTRIBUTION, Duration.ofDays(1))),
                Decision::userId, ShopperEvent::userId, Types.STRING);
        harness.setup(FeatureTypes.OUTCOME.createSerializer(new SerializerConfigImpl()));
        harness.open();
        harness.processElement1(decision(view("v1", T0)), T0);
        harness.processElement1(decision(view("v2", T0 + 40 * MINUTE)), T0 + 40 * MINUTE);
        harness.processElement2(purchase("p1", "o1", T0 + MINUTE, 3), T0 + MINUTE);
        harness.processElement2(ret("r1", "o1", T0 + 2 * MINUTE, 2), T0 + 2 * MINUTE);
        harness.processElement2(ret("r2", "o1", T0 + Duration.ofDays(2).toMillis(), 1), T0 + Duration.ofDays(2).toMillis());
        harness.processBothWatermarks(new Watermark(T0 + 31 * MINUTE));
        // The positive waits for its return window; the negative of v2 has not closed yet.
        assertThat(harness.extractOutputValues()).isEmpty();
        harness.processBothWatermarks(new Watermark(Long.MAX_VALUE));
        Map<String, Outcome> byEvent = harness.extractOutputValues().stream()
                .collect(Collectors.toMap(o -> o.decision().eventId(), o -> o));
        assertThat(byEvent.get("v1").purchased()).isTrue();
        assertThat(byEvent.get("v1").returnedQuantity()).isEqualTo(2); // r2 came after the window
        assertThat(byEvent.get("v2").purchased()).isFalse();
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    /**
     * Events {@code from..to} as the job delivers them: a decision for every event and the
     * purchases and returns on the other input, with a trailing watermark every 50 events.
     */
    private static void feed(KeyedTwoInputStreamOperatorTestHarness<String, Decision, ShopperEvent, Outcome> harness,
            List<ShopperEvent> events, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            ShopperEvent event = events.get(i);
            harness.processElement1(decision(event), event.ts());
            if (OutcomeFunction.isActivity(event)) {
                harness.processElement2(event, event.ts());
            }
            if (i % 50 == 49) {
                harness.processBothWatermarks(new Watermark(event.ts() - BOUND));
            }
        }
    }

    private static void assertMatchesOffline(List<Outcome> outcomes, List<ShopperEvent> events) {
        boolean[] labels = ATTRIBUTION.labels(events);
        Map<String, Outcome> byEvent = outcomes.stream().collect(Collectors.toMap(o -> o.decision().eventId(), o -> o));
        assertThat(outcomes).hasSameSizeAs(events);
        long positives = 0;
        for (int i = 0; i < events.size(); i++) {
            Outcome outcome = byEvent.get(events.get(i).eventId());
            assertThat(outcome.purchased()).as(events.get(i).eventId()).isEqualTo(labels[i]);
            positives += labels[i] ? 1 : 0;
        }
        // The comparison means something only with both labels present.
        assertThat(positives).isBetween(1L, events.size() - 1L);
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, Decision, ShopperEvent, Outcome> harness(
            OperatorSubtaskState restoreFrom) throws Exception {
        var harness = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new OutcomeFunction(ATTRIBUTION, Duration.ZERO)),
                Decision::userId, ShopperEvent::userId, Types.STRING);
        harness.setup(FeatureTypes.OUTCOME.createSerializer(new SerializerConfigImpl()));
        if (restoreFrom != null) {
            harness.initializeState(restoreFrom);
        }
        harness.open();
        return harness;
    }

    static Decision decision(ShopperEvent event) {
        return new Decision(Decision.idOf(event.eventId(), "m", 1), event.eventId(), event.type(), event.userId(),
                event.sessionId(), null, "m", 1, "champion", 0.5f, 1, new double[] {1, 2}, event.ts(), event.ts());
    }

    private static ShopperEvent view(String id, long ts) {
        return new ShopperEvent.View(new EventHeader(id, ts, "u1", "s"), "i1", "books", 12.0);
    }

    private static ShopperEvent purchase(String id, String order, long ts, int quantity) {
        return new ShopperEvent.Purchase(new EventHeader(id, ts, "u1", "s"), order, "i1", "books", 12.0, quantity);
    }

    private static ShopperEvent ret(String id, String order, long ts, int quantity) {
        return new ShopperEvent.Return(new EventHeader(id, ts, "u1", "s"), order, "i1", "books", 12.0, quantity);
    }
}
