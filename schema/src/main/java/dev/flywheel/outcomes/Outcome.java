package dev.flywheel.outcomes;

import dev.flywheel.decisions.Decision;
import java.util.Objects;

/**
 * A decision and what happened next: the labelled row that drift monitoring, live quality and
 * retraining read. Labels follow {@link Attribution}.
 *
 * @param decision          the decision, with the feature vector it was made on
 * @param purchased         the user purchased strictly after the event, within the attribution window
 * @param labelTime         event time at which the label became known: the first attributed purchase,
 *                          or the window's end for a negative
 * @param attributionWindowMs the window the label was decided with
 * @param orderId           the attributed purchase's order; null for a negative
 * @param returnedQuantity  units of the attributed order the user returned within the return window
 *                          after the purchase; 0 for a negative
 * @param returnWindowMs    how long after the purchase returns were watched for (0: none)
 */
public record Outcome(Decision decision, boolean purchased, long labelTime, long attributionWindowMs, String orderId,
        int returnedQuantity, long returnWindowMs) {

    public Outcome {
        Objects.requireNonNull(decision, "decision");
        if (purchased == (orderId == null)) {
            throw new IllegalArgumentException("a positive outcome names its order and a negative one none");
        }
    }

    public String decisionId() {
        return decision.decisionId();
    }
}
