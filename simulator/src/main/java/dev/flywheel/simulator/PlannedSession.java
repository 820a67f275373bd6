package dev.flywheel.simulator;

import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import java.util.List;
import java.util.function.Function;

/**
 * A session drawn in full when it starts: its events (built later, once their ids are known), the
 * truth attached to each, and when its shopper is free to start another session.
 *
 * @param userKey     identifies the shopper among sessions in flight (bots have negative keys)
 * @param endTs       the latent checkout time; every event of the session is at or before it
 * @param order       the order placed at {@code endTs}, or null; drives the return scheduling
 */
record PlannedSession(long userKey, String userId, String sessionId, List<Step> steps, long endTs,
                      PlannedOrder order) {

    /**
     * @param truth the buy-within-30-minutes probability to report with this event
     * @param build makes the event once its header is known
     */
    record Step(long ts, double truth, Function<EventHeader, ShopperEvent> build) {
    }

    record OrderLine(long item, String itemId, String category, double price, int quantity) {
    }

    /** @param returnDueTs when part of the order comes back, or {@code Long.MIN_VALUE} if it is kept */
    record PlannedOrder(String orderId, List<OrderLine> lines, List<OrderLine> returnedLines, long returnDueTs) {
        boolean returned() {
            return !returnedLines.isEmpty();
        }
    }
}
