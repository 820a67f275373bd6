package dev.flywheel.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatusLineTest {

    @Test
    void ratesAreOverTheLastFiveLines() {
        StatusLine status = new StatusLine();
        String line = null;
        // Eight lines a second apart; the first three came in a burst the window must forget.
        long[] sent = {5_000, 6_000, 7_000, 9_000, 11_000, 13_000, 15_000, 17_000};
        for (int i = 0; i < sent.length; i++) {
            line = status.line(snapshot(i + 1, sent[i], sent[i] / 2));
        }
        // (17,000 - 7,000) / (8 - 3) s: the oldest kept line is the third.
        assertThat(line).startsWith("[   8s] in 2,000/s (17,000) | analytics 1,000/s,");
        assertThat(line).contains("| decisions 1,000/s, v1 80% / v2 20%, e2e p50 12 ms p99 41 ms |");
    }

    @Test
    void oneLineWithEverythingItShows() {
        String line = new StatusLine().line(new StatusLine.Snapshot(2, 4_000, 3_990, 20, 3, null, 3_900,
                "v1 100%", new Latencies.Percentiles(3_900, 12, 41, 30_000), 1_000, 190));
        assertThat(line).isEqualTo("[   2s] in 2,000/s (4,000) | analytics 1,995/s, dlq 20, late 3, first minute open"
                + " | decisions 1,950/s, v1 100%, e2e p50 12 ms p99 41 ms | outcomes 1,000, 19.0% bought");
    }

    private static StatusLine.Snapshot snapshot(double seconds, long sent, long decisions) {
        return new StatusLine.Snapshot(seconds, sent, decisions, 0, 0, null, decisions, "v1 80% / v2 20%",
                new Latencies.Percentiles(100, 12, 41, 30_000), 0, 0);
    }
}
