package dev.flywheel.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatenciesTest {
    private static final long CEILING = 30_000;

    @Test
    void nearestRankPercentilesOfTheLastSeconds() {
        Latencies latencies = new Latencies(CEILING, 5);
        // 100 samples, 1..100 ms, shuffled over two seconds.
        for (int i = 0; i < 100; i++) {
            int value = (i * 37) % 100 + 1;
            latencies.record(10_000 + (i % 2) * 1_000, value);
        }
        Latencies.Percentiles recent = latencies.recent(11_500);
        assertThat(recent.samples()).isEqualTo(100);
        assertThat(recent.p50()).isEqualTo(50);
        assertThat(recent.p99()).isEqualTo(99);
        assertThat(recent.describe()).isEqualTo("p50 50 ms p99 99 ms");
    }

    @Test
    void secondsOutsideTheWindowNoLongerCount() {
        Latencies latencies = new Latencies(CEILING, 5);
        latencies.record(1_000, 5_000);
        latencies.record(3_000, 20);
        // At 5.9 s the window is seconds 1..5: the slow sample of second 1 counts.
        assertThat(latencies.recent(5_900).p99()).isEqualTo(5_000);
        for (int i = 0; i < 9; i++) {
            latencies.record(6_000, 20);
        }
        // At 6.2 s it is seconds 2..6.
        assertThat(latencies.recent(6_200).p99()).isEqualTo(20);
        assertThat(latencies.recent(6_200).samples()).isEqualTo(10);
        assertThat(latencies.recent(60_000).samples()).isZero();
        assertThat(latencies.recent(60_000).describe()).isEqualTo("p99 -");
    }

    @Test
    void aTailOverTheCeilingShowsInsteadOfVanishing() {
        Latencies latencies = new Latencies(CEILING, 5);
        for (int i = 0; i < 98; i++) {
            latencies.record(1_000, 10);
        }
        latencies.record(1_000, 45_000);
        latencies.record(1_000, Latencies.OVER_CEILING);

        assertThat(latencies.recent(1_000).p99()).isEqualTo(Latencies.OVER_CEILING);
        assertThat(latencies.recent(1_000).describe()).isEqualTo("p50 10 ms p99 > 30,000 ms");
        assertThat(latencies.run().p99()).isEqualTo(Latencies.OVER_CEILING);
        assertThat(latencies.run().p50()).isEqualTo(10);
    }

    @Test
    void theRunHistogramAgreesWithTheExactPercentiles() {
        Latencies latencies = new Latencies(CEILING, 5);
        for (int i = 1; i <= 1_000; i++) {
            latencies.record(i * 100L, i % 250);
        }
        Latencies.Percentiles run = latencies.run();
        assertThat(run.samples()).isEqualTo(1_000);
        // 0..249 four times each: the 500th smallest is 124, the 990th is 247.
        assertThat(run.p50()).isEqualTo(124);
        assertThat(run.p99()).isEqualTo(247);
    }
}
