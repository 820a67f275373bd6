package dev.flywheel.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flywheel.models.ServingVariant;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The loop command end to end on the embedded stack: real Kafka, Pulsar in its child JVM, the
 * registry, the scoring and monitor jobs on a MiniCluster, the trainer worker and the release
 * controller. A challenger trained on inverted labels is put in front of 30% of shoppers; the
 * monitor's verdict and the release controller must take it out while the champion keeps serving.
 * A real Prometheus scrapes the same run to check the dashboards, alerts and metric names.
 */
class FlywheelLoopTest {
    @TempDir
    static Path out;
    private static FlywheelLoop loop;
    private static int exit;
    private static String errors;
    private static PrometheusServer.Binaries prometheus;
    private static String prometheusMissing;
    private static PrometheusCheck check;

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

    /**
     * One run of the loop serves both tests below: it is the slowest test of the suite, and the
     * metrics check needs exactly this run (every part of the stack, a canary rolled back).
     */
    @BeforeAll
    static void runTheLoop() throws Exception {
        Path root = repositoryRoot();
        StringBuilder whyNot = new StringBuilder();
        Optional<PrometheusServer.Binaries> binaries = PrometheusServer.binaries(whyNot);
        prometheusMissing = whyNot.toString();
        loop = new FlywheelLoop();
        if (binaries.isPresent()) {
            prometheus = binaries.get();
            check = new PrometheusCheck(prometheus, root, Files.createDirectories(out.resolve("prometheus")));
            loop.watchedBy(check);
        }
        StringWriter err = new StringWriter();
        try {
            exit = FlywheelLoop.execute(loop, new String[] {"--hours", "6", "--bad-challenger-at", "1h",
                    "--speed", "600", "--out", out.resolve("report").toString(), "--ui-port", "0", "--registry-port", "0",
                    "--metrics-port", "0", "--worker-metrics-port", "0", "--controller-metrics-port", "0"},
                    new PrintWriter(err, true));
        } finally {
            if (check != null) {
                check.stop();
            }
        }
        errors = err.toString();
    }

    @Test
    void aChallengerTrainedOnInvertedLabelsIsRolledBackAndTheChampionKeepsServing() {
        assertThat(exit).as(errors).isZero();
        FlywheelLoop.Outcome outcome = loop.outcome();
        assertThat(outcome.rollbacks()).isEqualTo(1);
        assertThat(outcome.promotions()).isZero();
        // v1 served everyone before, beside the challenger, and after.
        assertThat(outcome.servingAtEnd().variant(ServingVariant.CHAMPION)).hasValueSatisfying(v ->
                assertThat(v.version()).isEqualTo(1));
        assertThat(outcome.servingAtEnd().variant(ServingVariant.CHALLENGER)).isEmpty();
        assertThat(outcome.summary().aucBeforeDrift()).isBetween(0.6, 0.9);
        assertThat(outcome.page()).exists();
        assertThat(out.resolve("report").resolve("live-auc.png")).exists();
        assertThat(Files.exists(out.resolve("report").resolve("index.html"))).isTrue();
    }

    /**
     * A real Prometheus scrapes the run: every dashboard query and every series an alert reads
     * returns data, every alert rule evaluates, docs/metrics.md names what is served, and promtool
     * passes on our metrics and rules. The samples are written to target/metrics-samples.txt.
     */
    @Test
    void prometheusFindsEveryDashboardAndAlertSeriesInTheRunningLoop() throws Exception {
        assumeTrue(prometheus != null, "skipped: " + prometheusMissing);
        assertThat(exit).as(errors).isZero();
        assertThat(check.ran()).as("the loop never reached the end of its traffic").isTrue();
        Path root = repositoryRoot();

        PrometheusServer.Run rules = PrometheusServer.promtool(prometheus, null, "check", "rules",
                PrometheusCheck.alertRules(root).toString());
        assertThat(rules.exit()).as(rules.output()).isZero();
        PrometheusServer.Run config = PrometheusServer.promtool(prometheus, null, "check", "config",
                root.resolve("docker/prometheus/prometheus.yml").toString());
        assertThat(config.exit()).as(config.output()).isZero();

        StringBuilder samples = new StringBuilder();
        check.samples().values().forEach(sample -> samples.append(sample).append('\n'));
        Files.writeString(Path.of("target", "metrics-samples.txt"), samples);
        System.out.printf("metrics check: %d expressions, %d alert rules, %d documented metrics served%n%s",
                check.expressionsChecked(), check.rulesChecked(), check.samples().size(), samples);

        assertThat(check.failures()).as("Prometheus log: " + check.log()).isEmpty();
        assertThat(check.rulesChecked()).isEqualTo(7);
        assertThat(check.expressionsChecked()).isGreaterThanOrEqualTo(
                PrometheusCheck.dashboardExpressions(root).size());
        assertThat(check.samples()).hasSize(PrometheusCheck.documentedMetrics(root).size());
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docker/prometheus/alerts.yml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no docker/prometheus/alerts.yml above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
