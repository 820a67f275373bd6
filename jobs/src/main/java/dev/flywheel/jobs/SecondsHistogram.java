package dev.flywheel.jobs;

import java.util.concurrent.TimeUnit;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * A Flink histogram of durations that takes them in a fine unit (nanoseconds, milliseconds) and
 * reports them in seconds. Flink's Prometheus reporter exports a histogram's quantiles as they are,
 * and Prometheus names carry base units, so a histogram named {@code ..._seconds} has to report
 * seconds. Flink's API makes min, max and the raw values longs: those are whole seconds, rounded
 * down; the quantiles and the mean, which Prometheus and the web UI's percentiles show, are exact.
 */
public final class SecondsHistogram implements Histogram {
    private final DescriptiveStatisticsHistogram recorded;
    private final double secondsPerUnit;

    /** @param window how many of the latest values the statistics are taken over */
    public SecondsHistogram(TimeUnit unit, int window) {
        this.recorded = new DescriptiveStatisticsHistogram(window);
        this.secondsPerUnit = unit.toNanos(1) / 1e9;
    }

    /** @param value a duration in this histogram's unit */
    @Override
    public void update(long value) {
        recorded.update(value);
    }

    @Override
    public long getCount() {
        return recorded.getCount();
    }

    @Override
    public HistogramStatistics getStatistics() {
        HistogramStatistics raw = recorded.getStatistics();
        return new HistogramStatistics() {
            @Override
            public double getQuantile(double quantile) {
                return raw.getQuantile(quantile) * secondsPerUnit;
            }

            @Override
            public long[] getValues() {
                long[] values = raw.getValues();
                for (int i = 0; i < values.length; i++) {
                    values[i] = (long) (values[i] * secondsPerUnit);
                }
                return values;
            }

            @Override
            public int size() {
                return raw.size();
            }

            @Override
            public double getMean() {
                return raw.getMean() * secondsPerUnit;
            }

            @Override
            public double getStdDev() {
                return raw.getStdDev() * secondsPerUnit;
            }

            @Override
            public long getMax() {
                return (long) (raw.getMax() * secondsPerUnit);
            }

            @Override
            public long getMin() {
                return (long) (raw.getMin() * secondsPerUnit);
            }
        };
    }
}
