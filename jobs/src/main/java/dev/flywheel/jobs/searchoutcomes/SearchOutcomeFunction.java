package dev.flywheel.jobs.searchoutcomes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.Click;
import dev.flywheel.events.ShopperEvent.Purchase;
import dev.flywheel.events.ShopperEvent.Search;
import dev.flywheel.jobs.events.ShopperEventTypeInfo;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.outcomes.SearchOutcome;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Joins each served result list ({@code search} event) with the clicks and purchases that follow
 * it, keyed by user, and emits one {@link SearchOutcome} per list once its attribution window has
 * closed. Clicks name their list by request id; the position is where the clicked item stands in
 * the list. Purchases carry no request id: one counts for a listed item the shopper clicked from
 * the list (see {@link SearchOutcome} for the rule).
 *
 * <p>When a list is final. Its window covers events up to {@code search time + window}; it is
 * final once no such event of its user can still arrive. Two things prove that:
 * <ul>
 *   <li><b>on arrival</b>: the user's own next event. A user's events share one clickstream
 *   partition, whose watermark is its newest event time less the out-of-orderness bound; so an
 *   event of this user at {@code t} proves the same of this user's events up to
 *   {@code t - bound - 1} as that partition's watermark would. An active shopper's list therefore
 *   leaves as soon as the shopper is past its window, without waiting for the slowest partition;</li>
 *   <li><b>the watermark</b>, for shoppers who went quiet: an event-time timer at the window's end.</li>
 * </ul>
 * Both apply one rule (window end at or before the proof's time), so the row does not depend on
 * which came first, and a restore replays to the same rows.
 *
 * <p>A click can arrive before its search (the search service logs asynchronously, the tracker
 * writes the click): it waits, by request id, until the proofs above pass the click's own time (a
 * search is at or before its click), and joins the list if the search comes by then.
 *
 * <p>State: the user's open lists by request id, early clicks by request id, and the earliest time
 * anything of the user waits for (so an event of a user with nothing open costs one state read). A list leaves state when it is
 * emitted; its timer is deleted when it leaves on arrival. Memory is about searches per second x
 * attribution window.
 *
 * <p>Metrics: {@code search_outcomes}, {@code search_outcomes_on_arrival} (closed by the user's
 * own later event), {@code searches_late} (window already closed at arrival: emitted at once, no
 * click can join it), {@code searches_empty} (no results: nothing to learn, not kept),
 * {@code clicks_attributed}, {@code clicks_unmatched} (request id of no list, also after waiting
 * the bound for its search: the search was lost, or late), {@code clicks_not_in_list}, {@code clicks_outside_window},
 * {@code purchases_attributed}.
 */
public final class SearchOutcomeFunction extends KeyedProcessFunction<String, ShopperEvent, SearchOutcome> {
    private static final long serialVersionUID = 1L;

    public static final TypeInformation<SearchOutcome> SEARCH_OUTCOME = TypeInformation.of(SearchOutcome.class);
    /** The extra field of a search event that names what ordered the list (written by the search service). */
    public static final String RANKED_BY_FIELD = "ranked_by";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Attribution attribution;
    private final long outOfOrdernessMs;

    private transient MapState<String, SearchOutcome> open;
    /** Clicks that arrived before their search, by request id. */
    private transient MapState<String, List<ShopperEvent>> earlyClicks;
    /** The earliest time anything of this user waits for: a list's window end or an early click's expiry. */
    private transient ValueState<Long> earliestClose;
    private transient Counter outcomes;
    private transient Counter onArrival;
    private transient Counter searchesLate;
    private transient Counter searchesEmpty;
    private transient Counter clicksAttributed;
    private transient Counter clicksUnmatched;
    private transient Counter clicksNotInList;
    private transient Counter clicksOutsideWindow;
    private transient Counter purchasesAttributed;

    /**
     * @param outOfOrderness the clickstream watermark's bound: how far behind a user's newest event
     *                       one of theirs may still arrive
     */
    public SearchOutcomeFunction(Attribution attribution, Duration outOfOrderness) {
        this.attribution = attribution;
        this.outOfOrdernessMs = outOfOrderness.toMillis();
    }

    @Override
    public void open(OpenContext context) {
        open = getRuntimeContext().getMapState(new MapStateDescriptor<>("open-lists", Types.STRING, SEARCH_OUTCOME));
        earlyClicks = getRuntimeContext().getMapState(new MapStateDescriptor<>("early-clicks", Types.STRING,
                new ListTypeInfo<>(ShopperEventTypeInfo.INSTANCE)));
        earliestClose = getRuntimeContext().getState(new ValueStateDescriptor<>("earliest-close", Types.LONG));
        var metrics = getRuntimeContext().getMetricGroup();
        outcomes = metrics.counter("search_outcomes");
        onArrival = metrics.counter("search_outcomes_on_arrival");
        searchesLate = metrics.counter("searches_late");
        searchesEmpty = metrics.counter("searches_empty");
        clicksAttributed = metrics.counter("clicks_attributed");
        clicksUnmatched = metrics.counter("clicks_unmatched");
        clicksNotInList = metrics.counter("clicks_not_in_list");
        clicksOutsideWindow = metrics.counter("clicks_outside_window");
        purchasesAttributed = metrics.counter("purchases_attributed");
    }

    @Override
    public void processElement(ShopperEvent event, Context ctx, Collector<SearchOutcome> out) throws Exception {
        // First what this event proves closed, so that it can never join a list whose window it is past.
        Long earliest = earliestClose.value();
        long provenUpTo = event.ts() - outOfOrdernessMs - 1;
        if (earliest != null && earliest <= provenUpTo) {
            onArrival.inc(closeUpTo(provenUpTo, ctx, out, true));
        }
        if (event instanceof Search search) {
            served(search, ctx, out);
        } else if (event instanceof Click click && click.requestId() != null) {
            SearchOutcome list = open.get(click.requestId());
            if (list == null) {
                keepEarly(click, ctx);
            } else {
                open.put(list.requestId(), withClick(list, click));
            }
        } else if (event instanceof Purchase purchase) {
            purchased(purchase);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<SearchOutcome> out) throws Exception {
        closeUpTo(timestamp, ctx, out, false);
    }

    private void served(Search search, Context ctx, Collector<SearchOutcome> out) throws Exception {
        if (search.results().isEmpty()) {
            searchesEmpty.inc();
            return;
        }
        SearchOutcome list = SearchOutcome.served(search.requestId(), search.userId(), search.sessionId(),
                search.query(), rankedBy(search.header().extras()), search.ts(), search.results().toArray(String[]::new),
                attribution.windowMillis());
        List<ShopperEvent> before = earlyClicks.get(list.requestId());
        if (before != null) {
            // Their wake-ups stay: another early click may share the time; one that finds nothing due is harmless.
            earlyClicks.remove(list.requestId());
            for (ShopperEvent click : before) {
                list = withClick(list, (Click) click);
            }
        }
        if (list.closedAt() <= ctx.timerService().currentWatermark()) {
            searchesLate.inc();
            emit(list, out);
            return;
        }
        open.put(list.requestId(), list);
        wakeAt(list.closedAt(), ctx);
    }

    /** The list with the click at its item's position, if the click counts for it; the first click wins. */
    private SearchOutcome withClick(SearchOutcome list, Click click) {
        int position = list.positionOf(click.itemId());
        if (position < 0) {
            clicksNotInList.inc();
            return list;
        }
        if (click.ts() < list.searchTime() || click.ts() > list.closedAt()) {
            clicksOutsideWindow.inc();
            return list;
        }
        clicksAttributed.inc();
        return list.clicked(position) && list.clickTimes()[position] <= click.ts()
                ? list : list.withClick(position, click.ts());
    }

    /**
     * A click on a list not (yet) open: the search service logs asynchronously while the tracker
     * writes the click, so the click can arrive first. It waits until its search could no longer
     * arrive, then counts as unmatched.
     */
    private void keepEarly(Click click, Context ctx) throws Exception {
        long expires = earlyClickExpiry(click);
        if (expires <= ctx.timerService().currentWatermark()) {
            clicksUnmatched.inc();
            return;
        }
        List<ShopperEvent> clicks = earlyClicks.get(click.requestId());
        clicks = clicks == null ? new ArrayList<>(1) : new ArrayList<>(clicks);
        clicks.add(click);
        earlyClicks.put(click.requestId(), clicks);
        wakeAt(expires, ctx);
    }

    /** A search is at or before its click: once the proofs pass the click's time, its search cannot come. */
    private static long earlyClickExpiry(ShopperEvent click) {
        return click.ts();
    }

    private void wakeAt(long time, Context ctx) throws Exception {
        ctx.timerService().registerEventTimeTimer(time);
        Long earliest = earliestClose.value();
        if (earliest == null || time < earliest) {
            earliestClose.update(time);
        }
    }

    /** Last click wins: the open list whose click on the bought item came last before the purchase. */
    private void purchased(Purchase purchase) throws Exception {
        SearchOutcome best = null;
        int bestPosition = -1;
        for (SearchOutcome list : open.values()) {
            int position = list.positionOf(purchase.itemId());
            if (position >= 0 && list.clicked(position) && !list.purchased(position)
                    && list.clickTimes()[position] <= purchase.ts()
                    && attribution.attributes(list.searchTime(), purchase.ts())
                    && (best == null || list.clickTimes()[position] > best.clickTimes()[bestPosition])) {
                best = list;
                bestPosition = position;
            }
        }
        if (best != null) {
            purchasesAttributed.inc();
            open.put(best.requestId(), best.withPurchase(bestPosition, purchase.orderId()));
        }
    }

    /** Emits the lists whose window ends at or before {@code time}, oldest first; returns how many. */
    private int closeUpTo(long time, Context ctx, Collector<SearchOutcome> out, boolean deleteTimers)
            throws Exception {
        List<SearchOutcome> due = new ArrayList<>();
        long nextClose = Long.MAX_VALUE;
        for (Map.Entry<String, SearchOutcome> entry : open.entries()) {
            SearchOutcome list = entry.getValue();
            if (list.closedAt() <= time) {
                due.add(list);
            } else {
                nextClose = Math.min(nextClose, list.closedAt());
            }
        }
        List<String> expiredRequests = new ArrayList<>();
        Map<String, List<ShopperEvent>> stillEarly = new java.util.HashMap<>();
        for (Map.Entry<String, List<ShopperEvent>> entry : earlyClicks.entries()) {
            List<ShopperEvent> kept = new ArrayList<>();
            for (ShopperEvent click : entry.getValue()) {
                long expires = earlyClickExpiry(click);
                if (expires <= time) {
                    clicksUnmatched.inc();
                    if (deleteTimers) {
                        ctx.timerService().deleteEventTimeTimer(expires);
                    }
                } else {
                    kept.add(click);
                    nextClose = Math.min(nextClose, expires);
                }
            }
            if (kept.isEmpty()) {
                expiredRequests.add(entry.getKey());
            } else if (kept.size() < entry.getValue().size()) {
                stillEarly.put(entry.getKey(), kept);
            }
        }
        for (String request : expiredRequests) {
            earlyClicks.remove(request);
        }
        // One put per entry: putAll of nothing would still leave an empty map in heap state.
        for (Map.Entry<String, List<ShopperEvent>> entry : stillEarly.entrySet()) {
            earlyClicks.put(entry.getKey(), entry.getValue());
        }
        due.sort(Comparator.comparingLong(SearchOutcome::searchTime).thenComparing(SearchOutcome::requestId));
        for (SearchOutcome list : due) {
            open.remove(list.requestId());
            if (deleteTimers) {
                // Everything waiting until this time is due now, so nothing else still needs the timer.
                ctx.timerService().deleteEventTimeTimer(list.closedAt());
            }
            emit(list, out);
        }
        if (nextClose == Long.MAX_VALUE) {
            earliestClose.clear();
        } else {
            earliestClose.update(nextClose);
        }
        return due.size();
    }

    private void emit(SearchOutcome list, Collector<SearchOutcome> out) {
        outcomes.inc();
        out.collect(list);
    }

    /** The search service's {@code ranked_by} extra, or null when absent or unreadable. */
    static String rankedBy(String extras) {
        if (extras == null) {
            return null;
        }
        try {
            JsonNode value = JSON.readTree(extras).get(RANKED_BY_FIELD);
            return value != null && value.isTextual() ? value.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
