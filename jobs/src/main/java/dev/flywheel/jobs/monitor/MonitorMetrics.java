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
 * <p>Per version: {@code scorePsi}, {@code scorePsiThreshold}, {@code scoreDrift} and
 * {@code drift} (1 or 0), {@code featuresDrifted}, {@code decisions} (last window's drift phase);
 * {@code liveAuc}, {@code logLoss}, {@code calibrationError}, {@code positiveRate},
 * {@code labelled} (last window's quality phase). Per model: {@code retrainRequests} and
 * {@code reason.<reason>.retrainRequests}, {@code retrainsSuppressed} (held back by the cooldown),
 * {@code verdict} (1 challenger better, -1 worse, 0 none yet), {@code comparisonPValue}.
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
        retrains = group.counter("retrainRequests");
        for (RetrainRequest.Reason reason : RetrainRequest.Reason.values()) {
            retrainsByReason.put(reason, group.addGroup("reason", reason.name().toLowerCase()).counter("retrainRequests"));
        }
        suppressed = group.counter("retrainsSuppressed");
        group.gauge("verdict", () -> verdict);
        group.gauge("comparisonPValue", () -> comparisonPValue);
    }

    void drift(int version, long decisions, ModelHealthReport.Drift drift) {
        VersionGauges gauges = version(version);
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
            group.gauge("scorePsi", () -> scorePsi);
            group.gauge("scorePsiThreshold", () -> scorePsiThreshold);
            group.gauge("scoreDrift", () -> scoreDrift);
            group.gauge("drift", () -> drift);
            group.gauge("featuresDrifted", () -> featuresDrifted);
            group.gauge("decisions", () -> decisions);
            group.gauge("liveAuc", () -> liveAuc);
            group.gauge("logLoss", () -> logLoss);
            group.gauge("calibrationError", () -> calibrationError);
            group.gauge("positiveRate", () -> positiveRate);
            group.gauge("labelled", () -> labelled);
        }
    }
}
