package dev.flywheel.trainer.worker;

import dev.flywheel.trainer.evaluation.HoldoutEvaluation;

/**
 * Whether a newly trained model may be canaried: judged on the holdout of its own training window,
 * against the current champion scored on exactly the same rows.
 *
 * <ol>
 *   <li>The holdout must hold at least {@code minHoldoutRows} rows and at least
 *       {@code minPerClass} purchases and as many non-purchases: an AUC over a handful of
 *       positives says nothing (its standard error at 50 positives is about 0.04).</li>
 *   <li>The candidate's holdout AUC must be at least the champion's minus {@code aucMargin}. The
 *       margin lets through a candidate that is as good within noise: a retrain's point is to
 *       follow the data, and the canary, not this offline figure, decides the promotion. With no
 *       champion, the first rule alone decides.</li>
 * </ol>
 */
public record ChallengerGate(double aucMargin, int minHoldoutRows, int minPerClass) {

    public static ChallengerGate defaults() {
        return new ChallengerGate(0.01, 1_000, 50);
    }

    public ChallengerGate {
        if (!(aucMargin >= 0 && aucMargin < 1)) {
            throw new IllegalArgumentException("the AUC margin must be in [0, 1), was " + aucMargin);
        }
        if (minHoldoutRows < 1) {
            throw new IllegalArgumentException("the minimum holdout must be at least 1 row, was " + minHoldoutRows);
        }
        if (minPerClass < 1) {
            throw new IllegalArgumentException("the minimum per class must be at least 1, was " + minPerClass);
        }
    }

    /**
     * @param champion the champion on the same holdout rows, or null when the model has none
     */
    public Verdict judge(HoldoutEvaluation candidate, HoldoutEvaluation champion) {
        double championAuc = champion == null ? Double.NaN : champion.auc();
        long negatives = candidate.examples() - candidate.positives();
        String refusal = null;
        if (candidate.examples() < minHoldoutRows) {
            refusal = String.format("the holdout has %,d rows, the gate needs %,d", candidate.examples(), minHoldoutRows);
        } else if (candidate.positives() < minPerClass || negatives < minPerClass) {
            refusal = String.format("the holdout has %,d purchases and %,d non-purchases, the gate needs %,d of each",
                    candidate.positives(), negatives, minPerClass);
        } else if (champion != null && !(candidate.auc() >= championAuc - aucMargin)) {
            refusal = String.format("candidate AUC %.4f is below the champion's %.4f minus the margin %.4f",
                    candidate.auc(), championAuc, aucMargin);
        }
        return new Verdict(refusal == null, refusal == null ? "passed" : refusal, candidate.auc(), championAuc,
                aucMargin, candidate.examples(), candidate.positives());
    }

    /**
     * @param championAuc NaN when there is no champion
     */
    public record Verdict(boolean passed, String reason, double candidateAuc, double championAuc, double aucMargin,
                          long holdoutRows, long holdoutPositives) {

        /** The figures, for the log line. */
        public String figures() {
            return String.format("candidate AUC %.4f, champion AUC %s, margin %.4f, holdout %,d rows (%,d purchases)",
                    candidateAuc, Double.isNaN(championAuc) ? "none" : String.format("%.4f", championAuc), aucMargin,
                    holdoutRows, holdoutPositives);
        }
    }
}
