package dev.flywheel.health;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A move the release controller made on live evidence, written to {@code model-health} beside the
 * reports it was made from (JSON by {@link ModelHealthJson#encodeValue}, keyed by model name). Its
 * {@code kind} field, {@value #KIND}, tells it apart from a {@link ModelHealthReport}.
 *
 * @param kind       always {@value #KIND}
 * @param model      registry model name
 * @param action     what was done
 * @param champion   the champion when the evidence was read
 * @param challenger the challenger the move was about
 * @param reason     why, in a sentence
 * @param evidence   the comparison's figures: labelled outcomes per arm, log loss difference, its
 *                   standard error and p-value
 * @param windowEnd  end of the monitor window whose report decided it, epoch ms of event time
 * @param revision   the registry revision the move produced
 * @param decidedAt  wall clock, epoch ms
 */
public record ReleaseDecision(String kind, String model, Action action, int champion, int challenger, String reason,
        Map<String, Double> evidence, long windowEnd, long revision, long decidedAt) {

    public static final String KIND = "release";

    public enum Action {
        /** The challenger became champion. */
        PROMOTE,
        /** The challenger stopped serving; the champion serves everyone. */
        ROLL_BACK
    }

    public ReleaseDecision {
        kind = KIND;
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(action, "action");
        evidence = evidence == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(evidence));
    }

    /** Whether a model-health record is a release decision rather than a report. */
    public static boolean isRelease(byte[] json) {
        try {
            return KIND.equals(dev.flywheel.models.ModelJson.mapper().readTree(json).path("kind").asText());
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
