package dev.flywheel.registry.release;

import dev.flywheel.http.HardenedHttpServer;
import dev.flywheel.http.MetricsEndpoint;
import dev.flywheel.health.ReleaseDecision.Action;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The release controller's Prometheus metrics: comparisons read, canaries promoted and rolled back,
 * moves the registry refused. Each controller owns its registry, as the registry service and the
 * trainer do, so two in one JVM (tests, the local stack) do not share counters.
 */
public final class ReleaseMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter comparisons = Counter.builder()
            .name("flywheel_release_comparisons_total")
            .help("Champion-vs-challenger comparisons read from model-health, by model")
            .labelNames("model")
            .register(registry);
    private final Counter decisions = Counter.builder()
            .name("flywheel_release_decisions_total")
            .help("Canaries moved, by model and action (promote, roll_back)")
            .labelNames("model", "action")
            .register(registry);
    private final Counter failures = Counter.builder()
            .name("flywheel_release_failures_total")
            .help("Moves the registry did not carry out (tried again on the next report), by model")
            .labelNames("model")
            .register(registry);
    private final Set<String> known = ConcurrentHashMap.newKeySet();

    public PrometheusRegistry registry() {
        return registry;
    }

    /** A report with a comparison; the first of a model exports its counters at 0. */
    void compared(String model) {
        if (known.add(model)) {
            for (Action action : Action.values()) {
                decisions.initLabelValues(model, label(action));
            }
            failures.initLabelValues(model);
        }
        comparisons.labelValues(model).inc();
    }

    void moved(String model, Action action) {
        decisions.labelValues(model, label(action)).inc();
    }

    void failed(String model) {
        failures.labelValues(model).inc();
    }

    /** {@code flywheel_release_decisions_total} of one model and action, for tests and status lines. */
    public long decisions(String model, Action action) {
        return (long) decisions.labelValues(model, label(action)).get();
    }

    /** Serves {@code /metrics} on the port (0 picks a free one) until the returned server is closed. */
    public HardenedHttpServer serve(int port) {
        return MetricsEndpoint.serve("release-controller-metrics", port, registry);
    }

    private static String label(Action action) {
        return action.name().toLowerCase(Locale.ROOT);
    }
}
