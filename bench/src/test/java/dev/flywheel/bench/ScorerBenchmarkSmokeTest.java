package dev.flywheel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scorer benchmark's harness at a tiny size, in this JVM: a trained model is read back from
 * its directory, both scorers run at two batch sizes, and the table has a row per batch with
 * figures for each. Says nothing about speed; it keeps the harness from rotting.
 */
class ScorerBenchmarkSmokeTest {

    @Test
    void measuresBothScorersAtEveryBatchSize(@TempDir Path directory) throws Exception {
        BenchModel trained = BenchModel.train(directory, 3, 20_000);
        assertThat(BenchModel.read(directory).descriptor().sha256()).isEqualTo(trained.descriptor().sha256());

        List<ScorerBenchmarkRunner.Row> rows = ScorerBenchmarkRunner.run(directory, List.of(1, 8), 0, 0, 1,
                Duration.ofMillis(200), false);

        assertThat(rows).extracting(ScorerBenchmarkRunner.Row::batch).containsExactly(1, 8);
        for (ScorerBenchmarkRunner.Row row : rows) {
            assertThat(row.flywheelNanos()).isPositive();
            assertThat(row.bareNanos()).isPositive();
        }
        assertThat(ScorerBenchmarkRunner.table(rows)).contains("Flywheel / bare").hasLineCount(4);
    }
}
