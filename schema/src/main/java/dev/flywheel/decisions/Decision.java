package dev.flywheel.decisions;

import dev.flywheel.events.EventType;
import java.util.Arrays;
import java.util.Objects;

/**
 * One model's decision about one event: what the scoring job decided, with exactly what it decided
 * on. The feature vector is the one the model was scored on, in the feature spec's order of
 * {@code specVersion}; joined with its outcome it is a training row, so training reads what serving
 * saw.
 *
 * @param decisionId   {@link #idOf}: the same event, model and version give the same id, so a
 *                     consumer deduplicates records an at-least-once sink wrote twice
 * @param eventId      the decided event
 * @param eventType    its type
 * @param userId       its user (also the record key)
 * @param sessionId    its session
 * @param itemId       its item; null for an event about no item (a search)
 * @param model        model name
 * @param modelVersion the registry version that scored it
 * @param variant      {@code champion} or {@code challenger} (acted on), or {@code shadow} (scored, never acted on)
 * @param score        the model's score column, as ONNX Runtime returned it (a float)
 * @param specVersion  feature spec version of {@code features}
 * @param features     the feature vector the model was scored on, in spec order
 * @param eventTime    event time, epoch milliseconds
 * @param decisionTime wall clock when the decision was made, epoch milliseconds
 */
public record Decision(String decisionId, String eventId, EventType eventType, String userId, String sessionId,
        String itemId, String model, int modelVersion, String variant, double score, int specVersion,
        double[] features, long eventTime, long decisionTime) {

    public Decision {
        Objects.requireNonNull(decisionId, "decisionId");
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(features, "features");
    }

    public static String idOf(String eventId, String model, int version) {
        return eventId + "/" + model + "/" + version;
    }

    /** Whether the decision is acted on: champion and challenger are, shadow is not. */
    public boolean acted() {
        return !"shadow".equals(variant);
    }

    // A record compares arrays by reference; decisions are compared by content.
    @Override
    public boolean equals(Object other) {
        return other instanceof Decision that && decisionId.equals(that.decisionId) && eventId.equals(that.eventId)
                && eventType == that.eventType && userId.equals(that.userId)
                && Objects.equals(sessionId, that.sessionId) && Objects.equals(itemId, that.itemId)
                && model.equals(that.model) && modelVersion == that.modelVersion && variant.equals(that.variant)
                && Double.compare(score, that.score) == 0 && specVersion == that.specVersion
                && Arrays.equals(features, that.features) && eventTime == that.eventTime
                && decisionTime == that.decisionTime;
    }

    @Override
    public int hashCode() {
        return Objects.hash(decisionId, modelVersion, variant, score, eventTime, decisionTime, Arrays.hashCode(features));
    }

    @Override
    public String toString() {
        return "Decision[" + decisionId + ", " + variant + ", score " + score + ", " + eventType.wireName() + " at "
                + eventTime + ", decided at " + decisionTime + ", v" + specVersion + " " + Arrays.toString(features) + "]";
    }
}
