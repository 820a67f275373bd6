package dev.flywheel.outcomes;

import java.util.Arrays;
import java.util.Objects;

/**
 * A served search result list and what its shopper did with it: the search ranker's training row.
 * One record per list (the ranker learns from pairs within a list), positions in served order.
 *
 * <p>A click counts for the list whose request id it carries, if it is on a listed item and at most
 * one attribution window after the search. A purchase counts for a listed item the shopper clicked
 * from the list before buying it, strictly after the search and within the window; when several
 * open lists qualify, the one clicked last gets it (last click), so a purchase is never counted twice.
 * Look-at propensities are not in the row: they depend on position only, and the trainer owns the
 * position-bias model.
 *
 * @param requestId           the search's request id
 * @param userId              the shopper (also the record key)
 * @param sessionId           the search's session
 * @param query               the query as typed
 * @param rankedBy            what ordered the list ({@code fusion:rrf}, {@code search-ranker:<version>});
 *                            null when the search event did not say
 * @param searchTime          the search's event time, epoch ms
 * @param items               the served item ids, position 0 first
 * @param clickTimes          per position, the event time of the first attributed click; 0: not clicked
 * @param orderIds            per position, the order of the attributed purchase; null: not bought
 * @param attributionWindowMs the window clicks and purchases were attributed with
 * @param closedAt            event time at which the row became final: {@code searchTime + window}
 */
public record SearchOutcome(String requestId, String userId, String sessionId, String query, String rankedBy,
        long searchTime, String[] items, long[] clickTimes, String[] orderIds, long attributionWindowMs,
        long closedAt) {

    public SearchOutcome {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(items, "items");
        Objects.requireNonNull(clickTimes, "clickTimes");
        Objects.requireNonNull(orderIds, "orderIds");
        if (clickTimes.length != items.length || orderIds.length != items.length) {
            throw new IllegalArgumentException("clickTimes and orderIds need one entry per item");
        }
    }

    /** A list just served: nothing clicked or bought yet. */
    public static SearchOutcome served(String requestId, String userId, String sessionId, String query,
            String rankedBy, long searchTime, String[] items, long attributionWindowMs) {
        return new SearchOutcome(requestId, userId, sessionId, query, rankedBy, searchTime, items.clone(),
                new long[items.length], new String[items.length], attributionWindowMs, searchTime + attributionWindowMs);
    }

    public int size() {
        return items.length;
    }

    public boolean clicked(int position) {
        return clickTimes[position] != 0;
    }

    public boolean purchased(int position) {
        return orderIds[position] != null;
    }

    /** The first position holding {@code itemId}, or -1. */
    public int positionOf(String itemId) {
        for (int i = 0; i < items.length; i++) {
            if (items[i].equals(itemId)) {
                return i;
            }
        }
        return -1;
    }

    public SearchOutcome withClick(int position, long clickTime) {
        long[] clicks = clickTimes.clone();
        clicks[position] = clickTime;
        return new SearchOutcome(requestId, userId, sessionId, query, rankedBy, searchTime, items, clicks, orderIds,
                attributionWindowMs, closedAt);
    }

    public SearchOutcome withPurchase(int position, String orderId) {
        String[] orders = orderIds.clone();
        orders[position] = orderId;
        return new SearchOutcome(requestId, userId, sessionId, query, rankedBy, searchTime, items, clickTimes, orders,
                attributionWindowMs, closedAt);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SearchOutcome o && searchTime == o.searchTime
                && attributionWindowMs == o.attributionWindowMs && closedAt == o.closedAt
                && requestId.equals(o.requestId) && userId.equals(o.userId) && sessionId.equals(o.sessionId)
                && query.equals(o.query) && Objects.equals(rankedBy, o.rankedBy) && Arrays.equals(items, o.items)
                && Arrays.equals(clickTimes, o.clickTimes) && Arrays.equals(orderIds, o.orderIds);
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, searchTime, Arrays.hashCode(clickTimes), Arrays.hashCode(orderIds));
    }

    @Override
    public String toString() {
        return "SearchOutcome[" + requestId + " user " + userId + " at " + searchTime + " items "
                + Arrays.toString(items) + " clicks " + Arrays.toString(clickTimes) + " orders "
                + Arrays.toString(orderIds) + "]";
    }
}
