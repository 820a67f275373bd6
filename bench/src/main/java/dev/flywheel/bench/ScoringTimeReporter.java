package dev.flywheel.bench;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * Keeps the scoring job's own {@code scoring_latency_seconds} histograms (the time of each ONNX call in the
 * operator, per subtask) when a job ends, so the benchmark can say what scoring costs inside the
 * job, next to what JMH says it costs alone. The histogram reports seconds; this reports nanoseconds.
 */
public final class ScoringTimeReporter implements MetricReporter {
    private static final List<HistogramStatistics> FINISHED = new CopyOnWriteArrayList<>();

    /** Adds the reporter to a MiniCluster configuration. */
    static Configuration install(Configuration configuration) {
        configuration.set(ConfigOptions.key("metrics.reporter.scoring-time.factory.class").stringType().noDefaultValue(),
                Factory.class.getName());
        return configuration;
    }

    /** Forgets what earlier jobs reported. */
    static void reset() {
        FINISHED.clear();
    }

    /** Mean ONNX call time per decision over the subtasks' windows of recent calls; NaN if none. */
    static double meanNanos() {
        return FINISHED.stream().filter(s -> s.size() > 0).mapToDouble(s -> s.getMean() * 1e9).average()
                .orElse(Double.NaN);
    }

    /**
     * The subtasks' median ONNX call time, averaged: unlike the mean, hardly moved by the calls a
     * busy machine preempts (a wall-clock histogram charges them milliseconds).
     */
    static double medianNanos() {
        return FINISHED.stream().filter(s -> s.size() > 0).mapToDouble(s -> s.getQuantile(0.5) * 1e9).average()
                .orElse(Double.NaN);
    }

    /** The largest 99th percentile of the subtasks; NaN if none. */
    static double p99Nanos() {
        return FINISHED.stream().filter(s -> s.size() > 0).mapToDouble(s -> s.getQuantile(0.99) * 1e9).max()
                .orElse(Double.NaN);
    }

    @Override
    public void open(MetricConfig config) {
    }

    @Override
    public void close() {
    }

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        if ("scoring_latency_seconds".equals(name) && metric instanceof Histogram histogram) {
            FINISHED.add(histogram.getStatistics());
        }
    }

    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new ScoringTimeReporter();
        }
    }
}
