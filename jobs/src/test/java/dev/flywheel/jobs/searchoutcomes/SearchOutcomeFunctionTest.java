package dev.flywheel.jobs.searchoutcomes;

import static dev.flywheel.jobs.searchoutcomes.SearchTraffic.T0;
import static dev.flywheel.jobs.searchoutcomes.SearchTraffic.WINDOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.outcomes.SearchOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class SearchOutcomeFunctionTest {
    private static final long BOUND = 5_000;
    private static final String[] ITEMS = {"a", "b", "c", "d"};

    @Test
    void everyListBecomesTheRowItsClicksAndPurchasesMakeAndNothingStaysInState() throws Exception {
        SearchTraffic traffic = new SearchTraffic(3, "u", 40, 12);
        var harness = harness(null);
        // No watermark while the stream runs, as when another partition lags far behind.
        feed(harness, traffic.events, 0, traffic.events.size(), false);
        int closedOnArrival = harness.extractOutputValues().size();
        harness.processWatermark(new Watermark(Long.MAX_VALUE));

        assertRowsAre(harness.extractOutputValues(), traffic.expected);
        // Most lists were closed by their shopper's own later searches; each shopper's last ones only by the watermark.
        assertThat(closedOnArrival).isGreaterThan(traffic.expected.size() * 3 / 4).isLessThan(traffic.expected.size());
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void snapshotAndRestoreMidStreamGiveTheSameRows() throws Exception {
        SearchTraffic traffic = new SearchTraffic(4, "u", 30, 10);
        int half = traffic.events.size() / 2;
        var before = harness(null);
        feed(before, traffic.events, 0, half, true);
        OperatorSubtaskState snapshot = before.snapshot(1, 1);
        List<SearchOutcome> rows = new ArrayList<>(before.extractOutputValues());
        before.close();

        var after = harness(snapshot);
        feed(after, traffic.events, half, traffic.events.size(), true);
        after.processWatermark(new Watermark(Long.MAX_VALUE));
        rows.addAll(after.extractOutputValues());
        assertRowsAre(rows, traffic.expected);
    }

    @Test
    void theUsersOwnLaterEventClosesAListOnlyOncePastTheWindowAndTheOutOfOrdernessBound() throws Exception {
        var harness = harness(null);
        harness.processElement(search("r1", T0), T0);
        harness.processElement(click("r1", "c", T0 + 10_000), T0 + 10_000);
        long windowEnd = T0 + WINDOW;
        // Exactly at the edge of what the bound still lets arrive: not yet.
        harness.processElement(view(windowEnd + BOUND), windowEnd + BOUND);
        assertThat(harness.extractOutputValues()).isEmpty();
        harness.processElement(view(windowEnd + BOUND + 1), windowEnd + BOUND + 1);

        List<SearchOutcome> rows = harness.extractOutputValues();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).clickTimes()).containsExactly(0, 0, T0 + 10_000, 0);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void theWatermarkClosesTheListOfAShopperWhoWentQuiet() throws Exception {
        var harness = harness(null);
        harness.processElement(search("r1", T0), T0);
        harness.processElement(click("r1", "b", T0 + 1_000), T0 + 1_000);
        harness.processWatermark(new Watermark(T0 + WINDOW - 1));
        assertThat(harness.extractOutputValues()).isEmpty();
        harness.processWatermark(new Watermark(T0 + WINDOW));
        assertThat(harness.extractOutputValues()).hasSize(1);
        assertThat(harness.extractOutputValues().get(0).clicked(1)).isTrue();
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void clicksAndPurchasesOutsideTheRulesDoNotCount() throws Exception {
        var harness = harness(null);
        harness.processElement(search("r1", T0), T0);
        harness.processElement(click("r-unknown", "a", T0 + 1_000), T0 + 1_000);
        harness.processElement(click("r1", "not-listed", T0 + 2_000), T0 + 2_000);
        harness.processElement(click("r1", "a", T0 + 3_000), T0 + 3_000);
        harness.processElement(click("r1", "a", T0 + 4_000), T0 + 4_000);
        // Bought but never clicked from the list.
        harness.processElement(purchase("o-1", "d", T0 + 5_000), T0 + 5_000);
        // Clicked at the window's last millisecond, bought after it.
        harness.processElement(click("r1", "b", T0 + WINDOW), T0 + WINDOW);
        harness.processElement(purchase("o-2", "b", T0 + WINDOW + 1), T0 + WINDOW + 1);
        harness.processElement(purchase("o-3", "a", T0 + 6_000), T0 + 6_000);
        harness.processWatermark(new Watermark(Long.MAX_VALUE));

        SearchOutcome row = harness.extractOutputValues().get(0);
        assertThat(row.clickTimes()).containsExactly(T0 + 3_000, T0 + WINDOW, 0, 0);
        assertThat(row.orderIds()).containsExactly("o-3", null, null, null);
        assertThat(row.rankedBy()).isEqualTo("search-ranker:7");
    }

    @Test
    void aPurchaseCountsOnceForTheListClickedLast() throws Exception {
        var harness = harness(null);
        harness.processElement(search("r1", T0), T0);
        harness.processElement(click("r1", "c", T0 + 1_000), T0 + 1_000);
        harness.processElement(search("r2", T0 + 60_000), T0 + 60_000);
        harness.processElement(click("r2", "c", T0 + 61_000), T0 + 61_000);
        harness.processElement(purchase("o-1", "c", T0 + 62_000), T0 + 62_000);
        harness.processWatermark(new Watermark(Long.MAX_VALUE));

        Map<String, SearchOutcome> rows = byRequest(harness.extractOutputValues());
        assertThat(rows.get("r1").orderIds()).containsOnlyNulls();
        assertThat(rows.get("r2").orderIds()[2]).isEqualTo("o-1");
    }

    @Test
    void aSearchWhoseWindowClosedBeforeItArrivedLeavesAtOnceAndAnEmptyOneIsNotKept() throws Exception {
        var harness = harness(null);
        harness.processWatermark(new Watermark(T0 + WINDOW));
        harness.processElement(search("late", T0), T0);
        assertThat(harness.extractOutputValues()).hasSize(1);
        harness.processElement(new ShopperEvent.Search(new EventHeader("e-empty", T0 + WINDOW + 10, "u1", "s"),
                "nothing matches", List.of(), "empty"), T0 + WINDOW + 10);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aClickThatArrivesBeforeItsSearchJoinsItAndOneWhoseSearchNeverComesIsDropped() throws Exception {
        var harness = harness(null);
        harness.processElement(click("r1", "b", T0 + 2_000), T0 + 2_000);
        harness.processElement(click("never", "a", T0 + 2_500), T0 + 2_500);
        harness.processElement(search("r1", T0), T0);
        // Past the clicks' time by the bound: the search of "never" can no longer come.
        harness.processElement(view(T0 + 2_500 + BOUND + 1), T0 + 2_500 + BOUND + 1);
        harness.processWatermark(new Watermark(Long.MAX_VALUE));

        assertThat(harness.extractOutputValues()).singleElement()
                .satisfies(row -> assertThat(row.clickTimes()).containsExactly(0, T0 + 2_000, 0, 0));
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void rowsAreFlinkPojosSoStateNeedsNoKryo() {
        assertThat(SearchOutcomeFunction.SEARCH_OUTCOME).isInstanceOf(PojoTypeInfo.class);
    }

    private static void assertRowsAre(List<SearchOutcome> rows, Map<String, SearchOutcome> expected) {
        assertThat(rows).hasSize(expected.size());
        assertThat(byRequest(rows)).isEqualTo(expected);
        long clicks = rows.stream().mapToLong(r -> java.util.Arrays.stream(r.clickTimes()).filter(t -> t != 0).count()).sum();
        long purchases = rows.stream().mapToLong(r -> java.util.Arrays.stream(r.orderIds()).filter(o -> o != null).count()).sum();
        // A stream with nothing to join would pass the equality above only if generation were broken too.
        assertThat(clicks).isGreaterThan(rows.size() / 2);
        assertThat(purchases).isGreaterThan(rows.size() / 10);
    }

    private static Map<String, SearchOutcome> byRequest(List<SearchOutcome> rows) {
        Map<String, SearchOutcome> map = new HashMap<>();
        for (SearchOutcome row : rows) {
            assertThat(map.put(row.requestId(), row)).as("duplicate row " + row.requestId()).isNull();
        }
        return map;
    }

    /** Feeds events, optionally each followed by a watermark trailing the newest by the bound, as the job's source does. */
    private static void feed(KeyedOneInputStreamOperatorTestHarness<String, ShopperEvent, SearchOutcome> harness,
            List<ShopperEvent> events, int from, int to, boolean watermarks) throws Exception {
        long newest = Long.MIN_VALUE;
        for (ShopperEvent event : events.subList(from, to)) {
            harness.processElement(event, event.ts());
            newest = Math.max(newest, event.ts());
            if (watermarks) {
                harness.processWatermark(new Watermark(newest - BOUND - 1));
            }
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ShopperEvent, SearchOutcome> harness(
            OperatorSubtaskState restoreFrom) throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new SearchOutcomeFunction(new Attribution(Duration.ofMillis(WINDOW)),
                        Duration.ofMillis(BOUND))),
                ShopperEvent::userId, Types.STRING);
        harness.setup(SearchOutcomeFunction.SEARCH_OUTCOME.createSerializer(new SerializerConfigImpl()));
        if (restoreFrom != null) {
            harness.initializeState(restoreFrom);
        }
        harness.open();
        return harness;
    }

    private static ShopperEvent search(String request, long ts) {
        return new ShopperEvent.Search(new EventHeader("e-" + request, ts, "u1", "s",
                "{\"ranked_by\":\"search-ranker:7\",\"other\":1}"), "blue couch", List.of(ITEMS), request);
    }

    private static ShopperEvent click(String request, String item, long ts) {
        return new ShopperEvent.Click(new EventHeader("c-" + request + item + ts, ts, "u1", "s"), item, "c", 1.0,
                request);
    }

    private static ShopperEvent purchase(String order, String item, long ts) {
        return new ShopperEvent.Purchase(new EventHeader("p-" + order, ts, "u1", "s"), order, item, "c", 1.0, 1);
    }

    private static ShopperEvent view(long ts) {
        return new ShopperEvent.View(new EventHeader("v-" + ts, ts, "u1", "s"), "x", "c", 1.0);
    }
}
