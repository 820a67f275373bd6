package dev.flywheel.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.health.ModelHealthReport.Comparison;
import dev.flywheel.health.ModelHealthReport.Drift;
import dev.flywheel.health.ModelHealthReport.DriftFigures;
import dev.flywheel.health.ModelHealthReport.Quality;
import dev.flywheel.health.ModelHealthReport.Retrain;
import dev.flywheel.health.ModelHealthReport.Verdict;
import dev.flywheel.retrain.RetrainRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelHealthJsonTest {
    private static final long START = 1_767_225_600_000L;
    private static final long END = START + 600_000;

    @Test
    void aCompleteReportReadsBackAsItWasWritten() {
        DriftFigures score = new DriftFigures(7_200, 20, 0.0123, 0.0201, 0.31, 4.2, false);
        DriftFigures affinity = new DriftFigures(7_200, 9, 0.41, 0.035, 1e-12, 5.1, true);
        ModelHealthReport report = new ModelHealthReport("purchase-propensity", 3, "champion", START, END, 7_200,
                new Drift(0.01, true, score, Map.of("category_affinity", affinity, "item_price", score),
                        List.of("category_affinity"), true),
                new Quality(7_100, 1_350, 0.19, 0.71, 0.012, 0.45, 0.14, 0.02, 0.7056, 0.4, false, 0.185, 0.3, false),
                new Comparison(3, 4, START - 3_600_000, 30_000, 7_000, 0.45, 0.44, -0.01, 0.003, 0.002, 0.01, 1_000,
                        Verdict.CHALLENGER_BETTER),
                new Retrain(RetrainRequest.Reason.DRIFT, RetrainRequest.keyOf("purchase-propensity", END - 21_600_000, END),
                        END - 21_600_000, END, Map.of("score_psi", 0.0123)),
                END + 1_800_123);

        byte[] json = ModelHealthJson.encode(report);
        String text = new String(json, StandardCharsets.UTF_8);

        assertThat(text).contains("\"window_start\":1767225600000", "\"drifted_features\":[\"category_affinity\"]",
                "\"verdict\":\"CHALLENGER_BETTER\"", "\"auc_below_reference\":false", "\"auc_p_value\":0.4",
                "\"calibration_p_value\":0.3", "\"mean_score\":0.185",
                "\"reason\":\"DRIFT\"",
                "\"design_effect\":5.1");
        assertThat(ModelHealthJson.decode(json)).isEqualTo(report);
    }

    @Test
    void figuresThatCouldNotBeComputedAreLeftOutAndReadBackAsNull() {
        ModelHealthReport report = new ModelHealthReport("m", 1, null, START, END, 12,
                new Drift(0.01, false, new DriftFigures(12, 0, 0, null, null, null, false), Map.of(), List.of(), false),
                new Quality(0, 0, null, null, null, null, null, null, null, null, false, null, null, false), null, null, END);
        String text = new String(ModelHealthJson.encode(report), StandardCharsets.UTF_8);

        assertThat(text).doesNotContain("null", "NaN", "\"auc\"", "\"comparison\"", "\"retrain\"");
        assertThat(text).contains("\"role\":\"none\"");
        assertThat(ModelHealthJson.decode(text.getBytes(StandardCharsets.UTF_8))).isEqualTo(report);
    }

    @Test
    void unknownFieldsAreIgnoredAndBrokenReportsRefused() {
        String minimal = "{\"model\":\"m\",\"version\":2,\"window_start\":5,\"window_end\":10,\"decisions\":0,"
                + "\"drift\":{\"false_alarm_rate\":0.01,\"reference\":false,\"drifted\":false},"
                + "\"quality\":{\"labelled\":0,\"positives\":0,\"auc_below_reference\":false,\"miscalibrated\":false},"
                + "\"reported_at\":11,\"added_later\":{\"x\":1}}";
        ModelHealthReport read = ModelHealthJson.decode(minimal.getBytes(StandardCharsets.UTF_8));
        assertThat(read.version()).isEqualTo(2);
        assertThat(read.drift().features()).isEmpty();

        assertThatThrownBy(() -> ModelHealthJson.decode(minimal.replace("\"window_end\":10", "\"window_end\":5")
                .getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must start before it ends");
        assertThatThrownBy(() -> ModelHealthJson.decode("{\"model\":\"m\",\"model\":\"n\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not a ModelHealthReport");
        assertThatThrownBy(() -> ModelHealthJson.decode("[]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
