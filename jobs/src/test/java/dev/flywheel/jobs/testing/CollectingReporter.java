package dev.flywheel.jobs.testing;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * A metric reporter that keeps every metric of the MiniCluster in this JVM, so a test can wait
 * for what a job counts (a refused model, say) instead of for time to pass.
 */
public final class CollectingReporter implements MetricReporter {
    private static final Map<String, Metric> METRICS = new ConcurrentHashMap<>();

    /** Adds the reporter to a MiniCluster configuration. */
    public static Configuration install(Configuration configuration) {
        configuration.set(ConfigOptions.key("metrics.reporter.collect.factory.class").stringType().noDefaultValue(),
                Factory.class.getName());
        return configuration;
    }

    /** Sum of the counters whose identifier contains every fragment (all subtasks). */
    public static long counterSum(String... fragments) {
        long sum = 0;
        for (Map.Entry<String, Metric> entry : METRICS.entrySet()) {
            if (entry.getValue() instanceof Counter counter && containsAll(entry.getKey(), fragments)) {
                sum += counter.getCount();
            }
        }
        return sum;
    }

    /** Identifiers of the metrics that contain every fragment, for a failing test's message. */
    public static java.util.List<String> identifiers(String... fragments) {
        return METRICS.keySet().stream().filter(id -> containsAll(id, fragments)).sorted().toList();
    }

    private static boolean containsAll(String identifier, String... fragments) {
        for (String fragment : fragments) {
            if (!identifier.contains(fragment)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void open(MetricConfig config) {
    }

    @Override
    public void close() {
    }

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        METRICS.put(group.getMetricIdentifier(name), metric);
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        METRICS.remove(group.getMetricIdentifier(name), metric);
    }

    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new CollectingReporter();
        }
    }
}
