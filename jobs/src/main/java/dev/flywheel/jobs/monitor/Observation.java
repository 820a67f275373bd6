package dev.flywheel.jobs.monitor;

import dev.flywheel.decisions.Decision;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.outcomes.Outcome;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * What the monitor keeps of one decision or one outcome: who decided (model, version, role), when
 * (the event's time), the score, the vector for a decision, the label for an outcome, and the
 * groups its user and item fall in ({@link Groups}). Outcomes travel without their vector: drift
 * is measured on decisions, which come half an hour sooner.
 *
 * @param outcome     true for an outcome, false for a decision
 * @param decisionId  the decision's id: duplicates of a decision share it
 * @param eventTime   the decided event's time: both a decision and its outcome belong to its window
 * @param timestamp   the record's event-time timestamp in the stream: a decision's event time, an
 *                    outcome's attribution window close, when the scoring job's watermark let it go
 * @param role        {@link #CHAMPION}, {@link #CHALLENGER}, {@link #SHADOW} or {@link #OTHER}
 * @param features    a decision's vector in feature-spec order; empty for outcomes, and for decisions
 *                    of another spec version than this job's, whose columns it cannot name
 */
public record Observation(boolean outcome, String model, int version, byte role, String decisionId, long eventTime,
        long timestamp, int userGroup, int itemGroup, double score, double[] features, boolean purchased) {

    public static final TypeInformation<Observation> TYPE = TypeInformation.of(Observation.class);

    public static final byte CHAMPION = 0;
    public static final byte CHALLENGER = 1;
    public static final byte SHADOW = 2;
    public static final byte OTHER = 3;
    private static final String[] ROLE_NAMES = {"champion", "challenger", "shadow", "none"};
    private static final double[] NO_FEATURES = new double[0];

    public static Observation of(Decision decision, int specVersion) {
        return new Observation(false, decision.model(), decision.modelVersion(), role(decision.variant()),
                decision.decisionId(), decision.eventTime(), decision.eventTime(), Groups.userGroup(decision.userId()),
                Groups.itemGroup(decision.itemId(), decision.userId()), decision.score(),
                decision.specVersion() == specVersion ? decision.features() : NO_FEATURES, false);
    }

    public static Observation of(Decision decision) {
        return of(decision, FeatureSpec.current().version());
    }

    public static Observation of(Outcome outcome) {
        Decision decision = outcome.decision();
        return new Observation(true, decision.model(), decision.modelVersion(), role(decision.variant()),
                decision.decisionId(), decision.eventTime(), decision.eventTime() + outcome.attributionWindowMs(),
                Groups.userGroup(decision.userId()), Groups.itemGroup(decision.itemId(), decision.userId()),
                decision.score(), NO_FEATURES, outcome.purchased());
    }

    /** The key of the per-group stage: model, version and user group. */
    public String groupKey() {
        return groupKey(model, version, userGroup);
    }

    public static String groupKey(String model, int version, int userGroup) {
        return model + "/" + version + "/" + userGroup;
    }

    static byte role(String variant) {
        return switch (variant) {
            case "champion" -> CHAMPION;
            case "challenger" -> CHALLENGER;
            case "shadow" -> SHADOW;
            default -> OTHER;
        };
    }

    static String roleName(int role) {
        return ROLE_NAMES[role];
    }
}
