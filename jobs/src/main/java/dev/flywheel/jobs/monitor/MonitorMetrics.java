package dev.flywheel.jobs.monitor;

import dev.flywheel.health.ModelHealthReport;
import dev.flywheel.health.ModelHealthReport.Verdict;
import dev.flywheel.retrain.RetrainRequest;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * One model's monitor metrics, in {@code flywheel.model.<name>} and, per version,
 * {@code flywheel.model.<name>.version.<v>}, so that a dashboard selects by label, not regex.
 * Gauges show the last window reported; NaN until there is one.
 *
 * <p>Per version: {@code window_start_seconds} (event time of the last window with decisions of
 * this version: a version that stopped serving falls behind the model's latest), {@code score_psi}, {@code score_psi_threshold}, {@code score_drift} and
 * {@code drift} (1 or 0), {@code features_drifted}, {@code decisions} (last window's drift phase);
 * {@code live_auc}, {@code log_loss}, {@code calibration_error}, {@code positive_ratio},
 * {@code labelled} (last window's quality phase). Per model: {@code retrain_requests} and
 * {@code reason.<reason>.retrain_requests}, {@code retrains_suppressed} (held back by the cooldown),
 * {@code verdict} (1 challenger better, -1 worse, 0 none yet), {@code comparison_p_value}. Names are
 * Prometheus names, as Flink's Prometheus reporter exports them unchanged (docs/metrics.md).
 */
final class MonitorMetrics {
    private final MetricGroup group;
    private final Map<Integer, VersionGauges> versions = new HashMap<>();
    private final Counter retrains;
    private final Map<RetrainRequest.Reason, Counter> retrainsByReason = new EnumMap<>(RetrainRequest.Reason.class);
    private final Counter suppressed;
    private volatile double verdict;
    private volatile double comparisonPValue = Double.NaN;

    MonitorMetrics(MetricGroup flywheel, String model) {
        group = flywheel.addGroup("model", model);
        retrains = group.counter("retrain_requests");
        for (RetrainRequest.Reason reason : RetrainRequest.Reason.values()) {
            retrainsByReason.put(reason, group.addGroup("reason", reason.name().toLowerCase()).counter("retrain_requests"));
        }
        suppressed = group.counter("retrains_suppressed");
        group.gauge("verdict", () -> verdict);
        group.gauge("comparison_p_value", () -> comparisonPValue);
    }

    void drift(int version, long windowStart, long decisions, ModelHealthReport.Drift drift) {
        VersionGauges gauges = version(version);
        gauges.windowStartSeconds = Math.max(gauges.windowStartSeconds, windowStart / 1000.0);
        gauges.decisions = decisions;
        gauges.scorePsi = drift.score() == null ? Double.NaN : drift.score().psi();
        gauges.scorePsiThreshold = drift.score() == null || drift.score().threshold() == null ? Double.NaN
                : drift.score().threshold();
        gauges.scoreDrift = drift.score() != null && drift.score().drifted() ? 1 : 0;
        gauges.featuresDrifted = drift.driftedFeatures().size();
        gauges.drift = drift.drifted() ? 1 : 0;
    }

    void quality(int version, ModelHealthReport.Quality quality) {
        VersionGauges gauges = version(version);
        gauges.labelled = quality.labelled();
        gauges.liveAuc = orNaN(quality.auc());
        gauges.logLoss = orNaN(quality.logLoss());
        gauges.calibrationError = orNaN(quality.calibrationError());
        gauges.positiveRate = orNaN(quality.positiveRate());
    }

    void comparison(ModelHealthReport.Comparison comparison) {
        verdict = comparison.verdict() == Verdict.CHALLENGER_BETTER ? 1
                : comparison.verdict() == Verdict.CHALLENGER_WORSE ? -1 : 0;
        comparisonPValue = orNaN(comparison.pValue());
    }

    void retrain(RetrainRequest.Reason reason) {
        retrains.inc();
        retrainsByReason.get(reason).inc();
    }

    void suppressed() {
        suppressed.inc();
    }

    private VersionGauges version(int version) {
        return versions.computeIfAbsent(version, v -> new VersionGauges(group.addGroup("version", Integer.toString(v))));
    }

    private static double orNaN(Double value) {
        return value == null ? Double.NaN : value;
    }

    /** Written on the task thread, read by reporters. */
    private static final class VersionGauges {
        volatile double windowStartSeconds = Double.NEGATIVE_INFINITY;
        volatile double scorePsi = Double.NaN;
        volatile double scorePsiThreshold = Double.NaN;
        volatile int scoreDrift;
        volatile int drift;
        volatile int featuresDrifted;
        volatile long decisions;
        volatile double liveAuc = Double.NaN;
        volatile double logLoss = Double.NaN;
        volatile double calibrationError = Double.NaN;
        volatile double positiveRate = Double.NaN;
        volatile long labelled;

        VersionGauges(MetricGroup group) {
            group.gauge("window_start_seconds", () -> windowStartSeconds);
            group.gauge("score_psi", () -> scorePsi);
            group.gauge("score_psi_threshold", () -> scorePsiThreshold);
            group.gauge("score_drift", () -> scoreDrift);
            group.gauge("drift", () -> drift);
            group.gauge("features_drifted", () -> featuresDrifted);
            group.gauge("decisions", () -> decisions);
            group.gauge("live_auc", () -> liveAuc);
            group.gauge("log_loss", () -> logLoss);
            group.gauge("calibration_error", () -> calibrationError);
            group.gauge("positive_ratio", () -> positiveRate);
            group.gauge("labelled", () -> labelled);
        }
    }
}
