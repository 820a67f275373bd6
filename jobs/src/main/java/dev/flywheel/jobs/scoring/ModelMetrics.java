package dev.flywheel.jobs.scoring;

import dev.flywheel.jobs.serving.LoadedModel;
import dev.flywheel.jobs.serving.RefusalReason;
import dev.flywheel.jobs.serving.ServingPlan;
import dev.flywheel.models.ServingVariant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * One model's metrics in a scoring subtask, in the group {@code flywheel.model.<name>} so a
 * dashboard selects a model by label, not by regex: decisions per variant, events no version could
 * score, loads and refusals (per reason), scoring time, and the versions and split in force.
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
        unscored = group.counter("eventsUnscored");
        loads = group.counter("modelLoads");
        Counter allRefusals = group.counter("modelLoadFailures");
        for (RefusalReason reason : RefusalReason.values()) {
            Counter byReason = group.addGroup("reason", reason.code()).counter("modelLoadFailures");
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
        scoringNanos = group.histogram("scoringNanos", new DescriptiveStatisticsHistogram(10_000));
        group.gauge("championVersion", () -> version(plan == null ? null : plan.champion()));
        group.gauge("challengerVersion", () -> version(plan == null ? null : plan.challenger()));
        group.gauge("shadowVersion", () -> version(plan == null ? null : plan.shadow()));
        group.gauge("challengerShare", () -> plan == null ? 0.0 : plan.challengerShare());
        group.gauge("configRevision", () -> plan == null ? -1L : plan.config().revision());
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
