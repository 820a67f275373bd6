package dev.flywheel.registry.metrics;

import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.registry.store.ModelStore;
import dev.flywheel.registry.validation.RejectReason;
import dev.flywheel.registry.validation.ValidationResult;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The registry's Prometheus metrics, in their own {@link PrometheusRegistry} so that several
 * registries in one JVM (tests, the local stack) do not collide.
 */
public final class RegistryMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Counter validations;
    private final Counter rejections;
    private final Counter published;
    private final Histogram validationSeconds;

    public RegistryMetrics(ModelStore store) {
        requests = Counter.builder().name("flywheel_registry_requests_total")
                .help("HTTP requests by method, route and status code")
                .labelNames("method", "route", "status").register(registry);
        validations = Counter.builder().name("flywheel_registry_validations_total")
                .help("Model validations by outcome (accepted, rejected)")
                .labelNames("outcome").register(registry);
        rejections = Counter.builder().name("flywheel_registry_rejections_total")
                .help("Rejected model versions by reason code")
                .labelNames("reason").register(registry);
        published = Counter.builder().name("flywheel_registry_model_updates_total")
                .help("Serving configurations published to model-updates, by outcome (ok, failed)")
                .labelNames("outcome").register(registry);
        validationSeconds = Histogram.builder().name("flywheel_registry_validation_seconds")
                .help("Time to validate a model version, child process included")
                .classicUpperBounds(0.1, 0.5, 1, 2, 5, 10, 30, 60).register(registry);
        // Every status of every model, zeros included: "no version ready" is a zero, not a missing series.
        GaugeWithCallback.builder().name("flywheel_registry_versions")
                .help("Model versions in the store by model and status")
                .labelNames("model", "status")
                .callback(callback -> countByStatus(store).forEach((model, counts) -> counts.forEach((status, n) ->
                        callback.call(n, model, status.name()))))
                .register(registry);
        // Outcomes that have not happened yet are exported as 0, so rates and alerts on them have a series.
        validations.initLabelValues("accepted");
        validations.initLabelValues("rejected");
        published.initLabelValues("ok");
        published.initLabelValues("failed");
        for (RejectReason reason : RejectReason.values()) {
            rejections.initLabelValues(reason.name());
        }
    }

    public PrometheusRegistry prometheusRegistry() {
        return registry;
    }

    public void request(String method, String route, int status) {
        requests.labelValues(method, route, Integer.toString(status)).inc();
    }

    public void validation(ValidationResult result, double seconds) {
        validationSeconds.observe(seconds);
        validations.labelValues(result.isAccepted() ? "accepted" : "rejected").inc();
        if (!result.isAccepted()) {
            rejections.labelValues(result.reason().name()).inc();
        }
    }

    public void published(boolean ok) {
        published.labelValues(ok ? "ok" : "failed").inc();
    }

    private static Map<String, Map<ModelStatus, Integer>> countByStatus(ModelStore store) {
        Map<String, Map<ModelStatus, Integer>> byModel = new TreeMap<>();
        for (String model : store.modelNames()) {
            Map<ModelStatus, Integer> counts = new EnumMap<>(ModelStatus.class);
            for (ModelStatus status : ModelStatus.values()) {
                counts.put(status, 0);
            }
            for (ModelVersion version : store.versions(model)) {
                counts.merge(version.status(), 1, Integer::sum);
            }
            byModel.put(model, counts);
        }
        return byModel;
    }
}
