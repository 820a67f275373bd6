package dev.flywheel.trainer;

import dev.flywheel.models.ModelStatus;
import dev.flywheel.trainer.evaluation.HoldoutEvaluation;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
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

    /** Serves {@code /metrics} on the port (0 picks a free one) until the returned server is closed. */
    public HTTPServer serve(int port) throws IOException {
        return HTTPServer.builder().port(port).registry(registry).buildAndStart();
    }
}
