package dev.flywheel.trainer;

import dev.flywheel.http.HardenedHttpServer;
import dev.flywheel.http.MetricsEndpoint;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.trainer.evaluation.HoldoutEvaluation;
import dev.flywheel.trainer.worker.RetrainOutcome;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;

/**
 * The trainer's Prometheus metrics: runs by outcome, run duration, the last model's holdout
 * figures, registrations by the status the registry gave. Each instance owns its registry, so
 * tests and a long-lived service do not share counters by accident.
 */
public final class TrainerMetrics {
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String RETRAIN_FAILED = "failed";
    public static final String RETRAIN_DEAD_LETTERED = "dead_lettered";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter runs = Counter.builder()
            .name("flywheel_trainer_runs_total")
            .help("Training runs by outcome")
            .labelNames("outcome")
            .register(registry);
    private final Histogram duration = Histogram.builder()
            .name("flywheel_trainer_run_duration_seconds")
            .help("Wall-clock time of a training run, data preparation included")
            .classicOnly()
            .classicUpperBounds(1, 5, 15, 30, 60, 120, 300, 600, 1800)
            .register(registry);
    private final Gauge lastAuc = Gauge.builder()
            .name("flywheel_trainer_last_holdout_auc")
            .help("Holdout AUC of the last successfully trained model")
            .register(registry);
    private final Gauge lastLogLoss = Gauge.builder()
            .name("flywheel_trainer_last_holdout_log_loss")
            .help("Holdout log loss of the last successfully trained model")
            .register(registry);
    private final Gauge lastBestAchievableAuc = Gauge.builder()
            .name("flywheel_trainer_last_best_achievable_auc")
            .help("AUC of the simulator's exact probabilities on the last holdout (simulated data only)")
            .register(registry);
    private final Counter registrations = Counter.builder()
            .name("flywheel_trainer_registrations_total")
            .help("Model versions sent to the registry, by the status it answered (or 'error')")
            .labelNames("status")
            .register(registry);

    private final Counter retrainReceived = Counter.builder()
            .name("flywheel_trainer_retrain_requests_received_total")
            .help("Retrain requests the worker took from Pulsar, redeliveries included")
            .register(registry);
    private final Counter retrainOutcomes = Counter.builder()
            .name("flywheel_trainer_retrain_requests_total")
            .help("Retrain request attempts by outcome: trained, gate_refused, duplicate (acknowledged); failed (each"
                    + " failed attempt); dead_lettered (the last failed attempt, which moves the request to the"
                    + " dead-letter topic)")
            .labelNames("outcome")
            .register(registry);

    {
        // Outcomes that have not happened yet are exported as 0, so rates and alerts on them
        // (a dead-lettered retrain) have a series to watch before the first one.
        runs.initLabelValues(SUCCEEDED);
        runs.initLabelValues(FAILED);
        for (RetrainOutcome.Kind kind : RetrainOutcome.Kind.values()) {
            retrainOutcomes.initLabelValues(kind.name().toLowerCase(java.util.Locale.ROOT));
        }
        retrainOutcomes.initLabelValues(RETRAIN_FAILED);
        retrainOutcomes.initLabelValues(RETRAIN_DEAD_LETTERED);
        for (ModelStatus status : ModelStatus.values()) {
            registrations.initLabelValues(status.name().toLowerCase(java.util.Locale.ROOT));
        }
        registrations.initLabelValues("error");
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    public void runSucceeded(double seconds, HoldoutEvaluation evaluation) {
        runs.labelValues(SUCCEEDED).inc();
        duration.observe(seconds);
        lastAuc.set(evaluation.auc());
        lastLogLoss.set(evaluation.logLoss());
        if (Double.isFinite(evaluation.bestAchievableAuc())) {
            lastBestAchievableAuc.set(evaluation.bestAchievableAuc());
        }
    }

    public void runFailed(double seconds) {
        runs.labelValues(FAILED).inc();
        duration.observe(seconds);
    }

    public void registered(ModelStatus status) {
        registrations.labelValues(status.name().toLowerCase(java.util.Locale.ROOT)).inc();
    }

    public void registrationFailed() {
        registrations.labelValues("error").inc();
    }

    /** A retrain request taken from the queue, first delivery or not. */
    public void retrainReceived() {
        retrainReceived.inc();
    }

    /** A retrain request done and acknowledged. */
    public void retrainOutcome(RetrainOutcome.Kind kind) {
        retrainOutcomes.labelValues(kind.name().toLowerCase(java.util.Locale.ROOT)).inc();
    }

    /** An attempt failed; {@code last}: it was the request's last, and the request is dead-lettered. */
    public void retrainFailed(boolean last) {
        retrainOutcomes.labelValues(RETRAIN_FAILED).inc();
        if (last) {
            retrainOutcomes.labelValues(RETRAIN_DEAD_LETTERED).inc();
        }
    }

    /** {@code flywheel_trainer_retrain_requests_total} of one outcome, for tests and status lines. */
    public long retrainCount(String outcome) {
        return count(retrainOutcomes, "outcome", outcome);
    }

    /** {@code flywheel_trainer_runs_total} of one outcome ({@link #SUCCEEDED} or {@link #FAILED}). */
    public long runCount(String outcome) {
        return count(runs, "outcome", outcome);
    }

    private static long count(Counter counter, String label, String value) {
        return (long) counter.collect().getDataPoints().stream()
                .filter(point -> value.equals(point.getLabels().get(label)))
                .mapToDouble(point -> point.getValue()).sum();
    }

    public long retrainReceivedCount() {
        return (long) retrainReceived.get();
    }

    /** Serves {@code /metrics} on the port (0 picks a free one) until the returned server is closed. */
    public HardenedHttpServer serve(int port) {
        return MetricsEndpoint.serve("trainer-metrics", port, registry);
    }
}
