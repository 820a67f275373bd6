package dev.flywheel.local;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Event-to-decision latencies: every sample of the last few seconds, for the status line's
 * percentiles, and a millisecond histogram of the whole run for the summary. A sample slower than
 * the {@code ceilingMillis} (or one whose start was no longer known) counts as "over the ceiling",
 * so a slow tail raises the percentiles instead of vanishing. Samples carry the wall-clock second
 * they were observed in; callers pass time in, so the arithmetic is testable without a clock.
 */
final class Latencies {
    /** A percentile that falls above the ceiling. */
    static final long OVER_CEILING = Long.MAX_VALUE;

    private final long ceilingMillis;
    private final int windowSeconds;
    private final long[] runHistogram;
    private final ArrayDeque<Second> recent = new ArrayDeque<>();
    private long runSamples;

    /** A percentile pair; {@code samples} 0 means none to report. */
    record Percentiles(long samples, long p50, long p99, long ceilingMillis) {
        String describe() {
            return samples == 0 ? "p99 -" : "p50 " + millis(p50) + " p99 " + millis(p99);
        }

        private String millis(long value) {
            return value == OVER_CEILING ? String.format("> %,d ms", ceilingMillis) : String.format("%,d ms", value);
        }
    }

    private static final class Second {
        final long second;
        long[] values = new long[256];
        int size;

        Second(long second) {
            this.second = second;
        }

        void add(long value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }
    }

    Latencies(long ceilingMillis, int windowSeconds) {
        this.ceilingMillis = ceilingMillis;
        this.windowSeconds = windowSeconds;
        this.runHistogram = new long[(int) ceilingMillis + 2];
    }

    long ceilingMillis() {
        return ceilingMillis;
    }

    /** A latency observed at {@code atMillis}; {@link #OVER_CEILING} when its start was no longer known. */
    synchronized void record(long atMillis, long latencyMillis) {
        long value = latencyMillis > ceilingMillis ? OVER_CEILING : Math.max(0, latencyMillis);
        long second = Math.floorDiv(atMillis, 1000);
        Second last = recent.peekLast();
        if (last == null || last.second != second) {
            last = new Second(second);
            recent.addLast(last);
        }
        last.add(value);
        while (recent.peekFirst().second <= second - windowSeconds) {
            recent.removeFirst();
        }
        runHistogram[value == OVER_CEILING ? runHistogram.length - 1 : (int) value]++;
        runSamples++;
    }

    /** Over the samples observed in the {@code windowSeconds} wall-clock seconds up to {@code nowMillis}. */
    synchronized Percentiles recent(long nowMillis) {
        long now = Math.floorDiv(nowMillis, 1000);
        int count = 0;
        for (Second s : recent) {
            if (s.second > now - windowSeconds) {
                count += s.size;
            }
        }
        long[] all = new long[count];
        int at = 0;
        for (Second s : recent) {
            if (s.second > now - windowSeconds) {
                System.arraycopy(s.values, 0, all, at, s.size);
                at += s.size;
            }
        }
        Arrays.sort(all);
        return count == 0 ? none() : new Percentiles(count, rank(all, 0.50), rank(all, 0.99), ceilingMillis);
    }

    /** Over every sample of the run. */
    synchronized Percentiles run() {
        if (runSamples == 0) {
            return none();
        }
        return new Percentiles(runSamples, histogramRank(0.50), histogramRank(0.99), ceilingMillis);
    }

    private Percentiles none() {
        return new Percentiles(0, 0, 0, ceilingMillis);
    }

    /** Nearest rank: the smallest value with at least {@code q} of the samples at or below it. */
    private static long rank(long[] sorted, double q) {
        return sorted[(int) Math.max(0, Math.ceil(q * sorted.length) - 1)];
    }

    private long histogramRank(double q) {
        long wanted = (long) Math.max(1, Math.ceil(q * runSamples));
        long seen = 0;
        for (int ms = 0; ms < runHistogram.length; ms++) {
            seen += runHistogram[ms];
            if (seen >= wanted) {
                return ms == runHistogram.length - 1 ? OVER_CEILING : ms;
            }
        }
        return OVER_CEILING;
    }
}
