package dev.flywheel.local;

import dev.flywheel.jobs.analytics.MinuteAnalytics;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * Formats the status line printed every second:
 *
 * <pre>
 * [  42s] in 2,000/s (84,000) | analytics 1,998/s, dlq 420, late 0, 02:41Z conv 3.1% rev 1,204.10
 *   | decisions 1,990/s, v1 80% / v2 20%, e2e p50 12 ms p99 41 ms | outcomes 52,000, 19.0% bought
 * </pre>
 *
 * (one line). Rates are over the last {@value #WINDOW} lines: Flink's REST metrics refresh about
 * once a second but not in step with this loop, so a one-second difference jumps between 0 and 2x.
 */
final class StatusLine {
    static final int WINDOW = 5;

    /**
     * One second's figures.
     *
     * @param seconds    since the traffic started
     * @param sent       records handed to the producer
     * @param parsed     records the analytics job parsed (accepted or rejected)
     * @param deadLetters distinct records in the dead-letter topic
     * @param late       events the analytics job found behind its minute windows
     * @param minute     the latest minute of analytics, or null before the first closes
     * @param decisions  decisions read from the decisions topic
     * @param serving    what the scoring job serves ({@link ServingSplit})
     * @param latency    event-to-decision latency over the last seconds
     * @param outcomes   outcomes read (committed)
     * @param purchased  of which labelled purchased
     */
    record Snapshot(double seconds, long sent, long parsed, long deadLetters, long late, MinuteAnalytics minute,
            long decisions, String serving, Latencies.Percentiles latency, long outcomes, long purchased) {
    }

    private final ArrayDeque<Snapshot> history = new ArrayDeque<>();

    String line(Snapshot now) {
        Snapshot oldest = history.isEmpty()
                ? new Snapshot(0, 0, 0, 0, 0, null, 0, "", null, 0, 0) : history.peekFirst();
        double dt = Math.max(1e-3, now.seconds() - oldest.seconds());
        history.addLast(now);
        if (history.size() > WINDOW) {
            history.removeFirst();
        }
        return String.format("[%4.0fs] in %,.0f/s (%,d) | analytics %,.0f/s, dlq %,d, late %,d, %s | decisions %,.0f/s,"
                        + " %s, e2e %s | outcomes %,d%s",
                now.seconds(), (now.sent() - oldest.sent()) / dt, now.sent(), (now.parsed() - oldest.parsed()) / dt,
                now.deadLetters(), now.late(), describe(now.minute()), (now.decisions() - oldest.decisions()) / dt,
                now.serving(), now.latency().describe(), now.outcomes(),
                now.outcomes() == 0 ? "" : String.format(", %.1f%% bought", 100.0 * now.purchased() / now.outcomes()));
    }

    private static String describe(MinuteAnalytics m) {
        if (m == null) {
            return "first minute open";
        }
        return String.format("%sZ conv %.1f%% rev %,.2f", Instant.ofEpochMilli(m.windowStart()).toString().substring(11, 16),
                100 * m.conversionRate(), m.revenue());
    }
}
