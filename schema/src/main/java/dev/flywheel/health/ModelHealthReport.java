package dev.flywheel.health;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.flywheel.retrain.RetrainRequest;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How one model version did in one event-time window: what the monitor job writes to the
 * {@code model-health} topic (JSON by {@link ModelHealthJson}, keyed by model name), and what the
 * release controller and dashboards read. docs/monitor.md describes every field.
 *
 * <p>The window is one of event time: decisions whose event happened in {@code [windowStart,
 * windowEnd)} and the outcomes of those same decisions, so drift and quality describe the same
 * events. Figures that could not be computed (too few values, one class only, no reference) are
 * null, never NaN.
 *
 * @param model       registry model name
 * @param version     the version the figures are about
 * @param role        the version's role in this window, {@code champion}, {@code challenger} or
 *                    {@code shadow} (the role most of its decisions had), or {@code none}
 * @param windowStart inclusive, epoch ms of event time
 * @param windowEnd   exclusive
 * @param decisions   the version's decisions in the window, each decision id counted once
 * @param drift       inputs and scores against the version's reference distributions
 * @param quality     the window's labelled outcomes
 * @param comparison  champion against challenger, over every window since the challenger started;
 *                    null when the model had no challenger in this window
 * @param retrain     the retrain request this window triggered for the model, if any
 * @param reportedAt  wall clock when the report was made, epoch ms
 */
public record ModelHealthReport(String model, int version, String role, long windowStart, long windowEnd,
        long decisions, Drift drift, Quality quality, Comparison comparison, Retrain retrain, long reportedAt) {

    public static final String NO_ROLE = "none";

    public ModelHealthReport {
        Objects.requireNonNull(model, "model");
        role = Objects.requireNonNullElse(role, NO_ROLE);
        Objects.requireNonNull(drift, "drift");
        Objects.requireNonNull(quality, "quality");
        if (windowStart >= windowEnd) {
            throw new IllegalArgumentException("a window must start before it ends: " + windowStart + " >= " + windowEnd);
        }
    }

    /**
     * One drift test.
     *
     * @param count        live values tested
     * @param bins         bins compared after merging sparse ones; 0 when the test did not run
     * @param psi          population stability index against the reference
     * @param threshold    the PSI above which the window counts as drifted at this count and false
     *                     alarm rate; null when the test did not run
     * @param pValue       chance of a PSI this large on a stationary stream
     * @param designEffect variance inflation by the clustering of events (users, items), at least 1
     * @param drifted      {@code psi > threshold}
     */
    public record DriftFigures(long count, int bins, double psi, Double threshold, Double pValue, Double designEffect,
            boolean drifted) {
    }

    /**
     * @param falseAlarmRate   the chance that a stationary window is flagged, score and features together
     * @param reference        whether the version's reference distributions were known; without
     *                         them nothing below was tested
     * @param score            the version's scores against its score quantiles
     * @param features         each input feature against its training histogram, by name
     * @param driftedFeatures  the features whose test fired, by name
     * @param drifted          the score or any feature drifted
     */
    public record Drift(double falseAlarmRate, boolean reference, DriftFigures score, Map<String, DriftFigures> features,
            List<String> driftedFeatures, boolean drifted) {
        public Drift {
            features = features == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(features));
            driftedFeatures = driftedFeatures == null ? List.of() : List.copyOf(driftedFeatures);
        }
    }

    /**
     * The version's labelled outcomes whose decisions fall in the window (every variant it served).
     *
     * @param labelled          outcomes
     * @param positives         of which purchased
     * @param positiveRate      positives / labelled
     * @param auc               Mann-Whitney AUC of score against label, ties counted one half
     * @param aucStdError       its standard error, robust to outcomes of one user being alike
     * @param logLoss           mean negative log-likelihood (natural log, probabilities clipped at 1e-15)
     * @param brier             mean squared error
     * @param calibrationError  count-weighted mean |mean score - purchase rate| over ten score bins
     * @param referenceAuc      the descriptor's holdout AUC
     * @param aucPValue         one-sided p-value of "live AUC is no lower than reference AUC minus the
     *                          tolerance"
     * @param aucBelowReference that p-value is below its share of the quality test's significance level
     * @param meanScore         the mean predicted probability
     * @param calibrationPValue one-sided p-value of "the purchase rate is within the calibration
     *                          tolerance of the mean score" (calibration in the large), robust to a
     *                          user's outcomes being alike
     * @param miscalibrated     that p-value is below its share of the quality test's significance level
     */
    public record Quality(long labelled, long positives, Double positiveRate, Double auc, Double aucStdError,
            Double logLoss, Double brier, Double calibrationError, Double referenceAuc,
            @JsonProperty("auc_p_value") Double aucPValue, boolean aucBelowReference, Double meanScore,
            @JsonProperty("calibration_p_value") Double calibrationPValue, boolean miscalibrated) {

        /** Whether the window's outcomes say the model got worse: ranking or calibration. */
        public boolean worse() {
            return aucBelowReference || miscalibrated;
        }
    }

    /** What the evidence says about the challenger so far. */
    public enum Verdict {
        /** Its log loss is lower than the champion's, beyond chance. */
        CHALLENGER_BETTER,
        /** Its log loss is higher than the champion's, beyond chance. */
        CHALLENGER_WORSE,
        /** Not enough evidence yet, either way. */
        NO_VERDICT
    }

    /**
     * Champion against challenger on the users each served (the traffic split assigns users at
     * random), accumulated over every window since this pair started serving together.
     *
     * @param champion            the champion's version
     * @param challenger          the challenger's version
     * @param since               start of the first window of the pair, epoch ms
     * @param championLabelled    outcomes of decisions the champion acted on
     * @param challengerLabelled  outcomes of decisions the challenger acted on
     * @param championLogLoss     mean log loss of the champion's outcomes
     * @param challengerLogLoss   mean log loss of the challenger's
     * @param difference          challenger minus champion (negative: the challenger is better)
     * @param stdError            standard error of the difference, robust to a user's outcomes being alike
     * @param pValue              always-valid p-value of "no difference": valid however many windows were looked at
     * @param significanceLevel   the level a verdict needs
     * @param minLabelled         outcomes each arm needs before a verdict
     * @param verdict             the verdict; once given it stands until the pair changes
     */
    public record Comparison(int champion, int challenger, long since, long championLabelled, long challengerLabelled,
            Double championLogLoss, Double challengerLogLoss, Double difference, Double stdError, Double pValue,
            double significanceLevel, long minLabelled, Verdict verdict) {
        public Comparison {
            Objects.requireNonNull(verdict, "verdict");
        }
    }

    /**
     * A retrain request the window triggered (sent to the retrain-requests topic at the same time).
     *
     * @param reason         why
     * @param idempotencyKey {@link RetrainRequest#keyOf} the model and the training window
     * @param windowStart    training window start (inclusive)
     * @param windowEnd      training window end (exclusive): the triggering window's end
     * @param evidence       the figures that triggered it
     */
    public record Retrain(RetrainRequest.Reason reason, String idempotencyKey, long windowStart, long windowEnd,
            Map<String, Double> evidence) {
        public Retrain {
            Objects.requireNonNull(reason, "reason");
            evidence = evidence == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(evidence));
        }
    }
}
