package dev.flywheel.jobs.scoring;

import dev.flywheel.jobs.SecondsHistogram;
import dev.flywheel.jobs.serving.LoadedModel;
import dev.flywheel.jobs.serving.RefusalReason;
import dev.flywheel.jobs.serving.ServingPlan;
import dev.flywheel.models.ServingVariant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;

/**
 * One model's metrics in a scoring subtask, in the group {@code flywheel.model.<name>} so a
 * dashboard selects a model by label, not by regex: decisions per variant, events no version could
 * score, loads and refusals (per reason), scoring time, and the versions and split in force. Names
 * are Prometheus names (snake_case, base units) because Flink's Prometheus reporter exports them as
 * they are; counters carry no {@code _total}, as that reporter types them as gauges
 * (docs/metrics.md has the full scraped names).
 */
final class ModelMetrics {
    private final Map<String, Counter> decisions = new HashMap<>();
    private final Counter unscored;
    private final Counter loads;
    private final Map<RefusalReason, Counter> refusals = new EnumMap<>(RefusalReason.class);
    private final Histogram scoringNanos;
    private volatile ServingPlan plan;

    ModelMetrics(MetricGroup flywheel, String model) {
        MetricGroup group = flywheel.addGroup("model", model);
        for (String role : ServingVariant.ROLES) {
            decisions.put(role, group.addGroup("variant", role).counter("decisions"));
        }
        unscored = group.counter("events_unscored");
        loads = group.counter("loads");
        Counter allRefusals = group.counter("load_failures");
        for (RefusalReason reason : RefusalReason.values()) {
            Counter byReason = group.addGroup("reason", reason.code()).counter("load_failures");
            refusals.put(reason, new Counter() {
                @Override
                public void inc() {
                    byReason.inc();
                    allRefusals.inc();
                }

                @Override
                public void inc(long n) {
                    byReason.inc(n);
                    allRefusals.inc(n);
                }

                @Override
                public void dec() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void dec(long n) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public long getCount() {
                    return byReason.getCount();
                }
            });
        }
        scoringNanos = group.histogram("scoring_latency_seconds", new SecondsHistogram(TimeUnit.NANOSECONDS, 10_000));
        group.gauge("champion_version", () -> version(plan == null ? null : plan.champion()));
        group.gauge("challenger_version", () -> version(plan == null ? null : plan.challenger()));
        group.gauge("shadow_version", () -> version(plan == null ? null : plan.shadow()));
        group.gauge("challenger_traffic_ratio", () -> plan == null ? 0.0 : plan.challengerShare());
        group.gauge("config_revision", () -> plan == null ? -1L : plan.config().revision());
    }

    void decided(String role, long nanos) {
        decisions.get(role).inc();
        scoringNanos.update(nanos);
    }

    void unscored() {
        unscored.inc();
    }

    void loaded() {
        loads.inc();
    }

    void refused(RefusalReason reason) {
        refusals.get(reason).inc();
    }

    void serving(ServingPlan plan) {
        this.plan = plan;
    }

    private static int version(LoadedModel model) {
        return model == null ? 0 : model.version();
    }
}
