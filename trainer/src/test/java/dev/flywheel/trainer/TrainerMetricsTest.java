package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.models.ModelStatus;
import dev.flywheel.trainer.evaluation.HoldoutEvaluation;
import dev.flywheel.http.HardenedHttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class TrainerMetricsTest {

    @Test
    void runsDurationsAucAndRegistrationsAreServedOnTheMetricsEndpoint() throws Exception {
        TrainerMetrics metrics = new TrainerMetrics();
        HoldoutEvaluation evaluation = HoldoutEvaluation.of(new double[] {0.1, 0.4, 0.35, 0.8},
                new boolean[] {false, false, true, true}, null);
        metrics.runSucceeded(12.5, evaluation);
        metrics.runSucceeded(3, evaluation);
        metrics.runFailed(0.5);
        metrics.registered(ModelStatus.READY);

        try (HardenedHttpServer server = metrics.serve(0)) {
            String body = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();

            assertThat(body).contains("flywheel_trainer_runs_total{outcome=\"succeeded\"} 2.0")
                    .contains("flywheel_trainer_runs_total{outcome=\"failed\"} 1.0")
                    .contains("flywheel_trainer_run_duration_seconds_count 3")
                    .contains("flywheel_trainer_run_duration_seconds_sum 16.0")
                    .contains("flywheel_trainer_run_duration_seconds_bucket{le=\"5.0\"} 2")
                    .contains("flywheel_trainer_last_holdout_auc 0.75")
                    .contains("flywheel_trainer_registrations_total{status=\"ready\"} 1.0")
                    // no truth in this evaluation: the ceiling gauge stays unset rather than reading NaN
                    .doesNotContain("flywheel_trainer_last_best_achievable_auc NaN");
            // the metrics port serves nothing else
            assertThat(HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/admin")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
        }
    }
}
