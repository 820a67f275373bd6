package dev.flywheel.retrain;

import java.util.Map;
import java.util.Objects;

/**
 * A request to retrain one model on one window of its labelled outcomes: what the monitor sends
 * and the trainer worker acts on (Pulsar topic {@link #TOPIC}, JSON by {@link RetrainRequestJson}).
 *
 * @param model          registry model name
 * @param reason         why now
 * @param evidence       the figures that made the monitor ask (for example {@code psi}, {@code threshold},
 *                       {@code auc}, {@code labelled}), kept for the log and the model-health report
 * @param windowStart    first event time of the training window (inclusive), epoch ms
 * @param windowEnd      end of the training window (exclusive), epoch ms
 * @param idempotencyKey the same key is trained at most once, however often it is delivered: by
 *                       default {@link #keyOf} the model and the window, so one window never
 *                       triggers two trainings, whatever the reason and across restarts
 * @param requestedAt    wall clock when it was sent, epoch ms
 */
public record RetrainRequest(String model, Reason reason, Map<String, Double> evidence, long windowStart,
        long windowEnd, String idempotencyKey, long requestedAt) {

    /** The Pulsar topic of retrain requests. */
    public static final String TOPIC = "persistent://public/default/retrain-requests";

    /** Why a retraining was asked for. */
    public enum Reason {
        /** Live inputs or scores moved away from the model's reference distributions. */
        DRIFT,
        /** Live AUC, log loss or calibration fell below the model's bar. */
        QUALITY,
        /** The schedule: retrain every so often whatever the monitor sees. */
        SCHEDULE,
        /** Someone asked. */
        MANUAL
    }

    public RetrainRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        evidence = evidence == null ? Map.of() : Map.copyOf(evidence);
        if (windowStart >= windowEnd) {
            throw new IllegalArgumentException("the training window must start before it ends: " + windowStart
                    + " >= " + windowEnd);
        }
    }

    /** The default idempotency key: one training per model and window. */
    public static String keyOf(String model, long windowStart, long windowEnd) {
        return model + "/" + windowStart + "-" + windowEnd;
    }
}
