package dev.flywheel.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.models.ServingVariant;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The loop command end to end on the embedded stack: real Kafka, Pulsar in its child JVM, the
 * registry, the scoring and monitor jobs on a MiniCluster, the trainer worker and the release
 * controller. A challenger trained on inverted labels is put in front of 30% of shoppers; the
 * monitor's verdict and the release controller must take it out while the champion keeps serving.
 */
class FlywheelLoopTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--hours|0.5|run-loop: --hours must be more than 1 (see --help)",
        "--canary-share|1|run-loop: --canary-share must be between 0 and 1 (exclusive) (see --help)",
        "--drift|sunspots@2h|run-loop: --drift: ",
        "--bad-challenger-at|soon|run-loop: --bad-challenger-at must be a duration like 2h or 30m, was 'soon' (see --help)",
        "--speed|0|run-loop: --speed must be positive (see --help)",
    })
    void aBadArgumentIsOneLineAndExitTwo(String option, String value, String message) {
        StringWriter err = new StringWriter();
        int exit = FlywheelLoop.execute(new String[] {option, value}, new PrintWriter(err, true));

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).startsWith(message);
    }

    @Test
    void aChallengerTrainedOnInvertedLabelsIsRolledBackAndTheChampionKeepsServing(@TempDir Path out) {
        FlywheelLoop loop = new FlywheelLoop();
        StringWriter err = new StringWriter();
        int exit = FlywheelLoop.execute(loop, new String[] {"--hours", "6", "--bad-challenger-at", "1h",
                "--speed", "600", "--out", out.toString(), "--ui-port", "0", "--registry-port", "0"},
                new PrintWriter(err, true));

        assertThat(exit).as(err.toString()).isZero();
        FlywheelLoop.Outcome outcome = loop.outcome();
        assertThat(outcome.rollbacks()).isEqualTo(1);
        assertThat(outcome.promotions()).isZero();
        // v1 served everyone before, beside the challenger, and after.
        assertThat(outcome.servingAtEnd().variant(ServingVariant.CHAMPION)).hasValueSatisfying(v ->
                assertThat(v.version()).isEqualTo(1));
        assertThat(outcome.servingAtEnd().variant(ServingVariant.CHALLENGER)).isEmpty();
        assertThat(outcome.summary().aucBeforeDrift()).isBetween(0.6, 0.9);
        assertThat(outcome.page()).exists();
        assertThat(out.resolve("live-auc.png")).exists();
        assertThat(Files.exists(out.resolve("index.html"))).isTrue();
    }
}
