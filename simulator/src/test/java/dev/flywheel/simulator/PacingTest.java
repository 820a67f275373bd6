package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PacingTest {

    @Test
    void fixedRateSpreadsRecordsOverTime() {
        Pacing pacing = Pacing.eventsPerSecond(2_000);
        KeyedRecord record = new KeyedRecord("u", new byte[0], 0, false);
        long start = System.nanoTime();
        for (int i = 0; i < 601; i++) {
            pacing.awaitTurn(record);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        // 600 intervals at 2,000/s is 0.3 s; sleeping starts only a millisecond ahead of schedule.
        assertThat(seconds).isBetween(0.29, 1.0);
    }

    @Test
    void eventTimePacingCompressesEventTimeBySpeedup() {
        Pacing pacing = Pacing.eventTime(100);
        long start = System.nanoTime();
        for (int second = 0; second <= 20; second++) {
            pacing.awaitTurn(new KeyedRecord("u", new byte[0], 1_000_000L + second * 1000L, false));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        // 20 s of event time at 100x is 0.2 s.
        assertThat(seconds).isBetween(0.19, 1.0);
    }
}
