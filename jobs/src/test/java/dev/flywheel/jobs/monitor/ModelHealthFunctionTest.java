package dev.flywheel.jobs.monitor;

import static dev.flywheel.jobs.monitor.MonitorHarness.MODEL;
import static dev.flywheel.jobs.monitor.MonitorHarness.champion;
import static dev.flywheel.jobs.monitor.MonitorHarness.drain;
import static dev.flywheel.jobs.monitor.MonitorHarness.feed;
import static dev.flywheel.jobs.monitor.MonitorHarness.groupStage;
import static dev.flywheel.jobs.monitor.MonitorHarness.inStreamOrder;
import static dev.flywheel.jobs.monitor.MonitorHarness.keyedStateEntries;
import static dev.flywheel.jobs.monitor.MonitorHarness.modelStage;
import static dev.flywheel.jobs.monitor.MonitorHarness.replay;
import static dev.flywheel.jobs.monitor.MonitorHarness.reports;
import static dev.flywheel.jobs.monitor.MonitorHarness.retrains;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.health.ModelHealthReport;
import dev.flywheel.health.ModelHealthReport.Verdict;
import dev.flywheel.jobs.monitor.MatureShop.Row;
import dev.flywheel.jobs.serving.TestModels;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.retrain.RetrainRequest;
import dev.flywheel.trainer.TrainingRun;
import dev.flywheel.trainer.evaluation.BinaryMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The model stage on the mature shop's traffic, fed by the group stage as the job wires them:
 * reports per version and window, triggers, cooldown, the schedule, the comparison, restores.
 */
class ModelHealthFunctionTest {
    private static final MonitorSettings SETTINGS = MonitorSettings.defaults(Duration.ofMinutes(10));
    private static final long WINDOW = SETTINGS.windowMs();
    private static final long HOUR = 3_600_000;

    private static MatureShop shop;
    private static ModelDescriptor v1;

    @BeforeAll
    static void shop() {
        shop = MatureShop.get();
        v1 = shop.model.descriptor().withVersion(1);
    }

    @Test
    void aStationaryStretchIsReportedWindowByWindowAndTriggersNothing() throws Exception {
        List<Row> rows = during(shop.stationary, firstWindow(shop.stationary), 12 * WINDOW);
        Run run = run(SETTINGS, champion(rows, 1), v1);

        assertThat(run.retrains).isEmpty();
        assertThat(run.reports).hasSize(12);
        Map<Long, List<Row>> byWindow = byWindow(rows);
        for (ModelHealthReport report : run.reports) {
            List<Row> window = byWindow.get(report.windowStart());
            assertThat(report.version()).isEqualTo(1);
            assertThat(report.role()).isEqualTo("champion");
            assertThat(report.windowEnd()).isEqualTo(report.windowStart() + WINDOW);
            assertThat(report.decisions()).isEqualTo(window.size());
            assertThat(report.quality().labelled()).isEqualTo(window.size());
            assertThat(report.quality().positives()).isEqualTo(window.stream().filter(Row::purchased).count());
            double[] scores = window.stream().mapToDouble(Row::score).toArray();
            boolean[] labels = labels(window);
            // The trainer's AUC and log loss, computed independently on the same outcomes.
            assertThat(report.quality().auc()).isCloseTo(BinaryMetrics.auc(scores, labels), within(1e-12));
            assertThat(report.quality().logLoss()).isCloseTo(BinaryMetrics.logLoss(scores, labels), within(1e-12));
            assertThat(report.quality().referenceAuc()).isEqualTo(v1.metrics().get("auc"));
            assertThat(report.drift().reference()).isTrue();
            assertThat(report.drift().features()).hasSize(v1.inputs().size());
            assertThat(report.drift().score().count()).isEqualTo(window.size());
            assertThat(report.comparison()).isNull();
            assertThat(report.retrain()).isNull();
        }
        // Only the model's memory (last request, streaks) stays; every window's state is gone.
        assertThat(keyedStateEntries(run.model)).isEqualTo(1);
        assertThat(run.model.numEventTimeTimers()).isZero();
    }

    @Test
    void sustainedDriftTriggersOneRequestAndTheCooldownHoldsBackTheRest() throws Exception {
        Run run = run(SETTINGS, champion(aroundTheShift(), 1), v1);

        assertThat(run.retrains).hasSize(1);
        RetrainRequest request = run.retrains.get(0);
        assertThat(request.reason()).isEqualTo(RetrainRequest.Reason.DRIFT);
        // The trigger is the second of two consecutive drifted windows, after the shift.
        List<ModelHealthReport> drifted = run.reports.stream().filter(r -> r.drift().drifted()).toList();
        ModelHealthReport first = drifted.get(0);
        assertThat(first.windowStart()).isGreaterThanOrEqualTo(shop.shiftAt - WINDOW);
        ModelHealthReport second = run.reports.stream().filter(r -> r.windowStart() == first.windowStart() + WINDOW)
                .findFirst().orElseThrow();
        assertThat(second.drift().drifted()).isTrue();
        assertThat(request.windowEnd()).isEqualTo(second.windowEnd());
        assertThat(request.windowStart()).isEqualTo(second.windowEnd() - SETTINGS.trainingSpan().toMillis());
        assertThat(request.idempotencyKey()).isEqualTo(RetrainRequest.keyOf(MODEL, request.windowStart(), request.windowEnd()));
        assertThat(request.evidence()).containsKeys("score_psi", "drifted_features", "category_affinity_psi",
                "category_affinity_threshold");
        assertThat(request.evidence().get("category_affinity_psi")).isGreaterThan(request.evidence().get("category_affinity_threshold"));
        assertThat(second.retrain().idempotencyKey()).isEqualTo(request.idempotencyKey());
        // Drift went on for hours; the cooldown (6 h) held every later window back.
        assertThat(drifted.size()).isGreaterThan(6);
        assertThat(run.reports.stream().filter(r -> r.retrain() != null)).hasSize(1);
        // Before the shift nothing drifted two windows running.
        assertThat(run.reports.stream().filter(r -> r.windowEnd() <= shop.shiftAt && r.drift().drifted()).count())
                .isLessThanOrEqualTo(1);
    }

    @Test
    void withAPostDriftSpanTheRequestWaitsAndTrainsOnTheWorldAfterTheChange() throws Exception {
        MonitorSettings settings = SETTINGS.withPostDriftSpan(Duration.ofHours(2));
        Run run = run(settings, champion(aroundTheShift(), 1), v1);

        assertThat(run.retrains).hasSize(1);
        RetrainRequest request = run.retrains.get(0);
        ModelHealthReport first = run.reports.stream().filter(r -> r.drift().drifted()).findFirst().orElseThrow();
        ModelHealthReport second = run.reports.stream().filter(r -> r.windowStart() == first.windowStart() + WINDOW)
                .findFirst().orElseThrow();
        assertThat(second.drift().drifted()).isTrue();
        assertThat(second.retrain()).as("found here, sent later").isNull();
        // The training window starts where the drifted streak began and spans exactly the post-drift span.
        assertThat(request.reason()).isEqualTo(RetrainRequest.Reason.DRIFT);
        assertThat(request.windowStart()).isEqualTo(first.windowStart());
        assertThat(request.windowEnd()).isEqualTo(first.windowStart() + 2 * HOUR);
        assertThat(request.evidence()).containsEntry("change_onset", (double) first.windowStart())
                .containsKeys("category_affinity_psi", "consecutive_windows");
        ModelHealthReport sending = run.reports.stream().filter(r -> r.retrain() != null).findFirst().orElseThrow();
        assertThat(sending.windowEnd()).isEqualTo(request.windowEnd());
        assertThat(sending.retrain().idempotencyKey()).isEqualTo(request.idempotencyKey());
    }

    @Test
    void aModelLeftOutOfTheRetrainedModelsIsReportedButNeverRetrained() throws Exception {
        Run run = run(SETTINGS.withRetrainModels(List.of("some-other-model")), champion(aroundTheShift(), 1), v1);

        assertThat(run.reports.stream().filter(r -> r.drift().drifted()).count()).isGreaterThan(6);
        assertThat(run.retrains).isEmpty();
        assertThat(run.reports).allMatch(r -> r.retrain() == null);
    }

    @Test
    void aRestoredJobNeverTriggersTheSameWindowAgain() throws Exception {
        List<Object> partials = groupStageOutput(SETTINGS, champion(aroundTheShift(), 1), v1);
        var straight = modelStage(SETTINGS, null);
        straight.processBroadcastElement(MonitorHarness.references(v1), 0);
        replay(straight, partials);
        RetrainRequest expected = retrains(straight).get(0);
        int triggeredAt = indexAfter(partials, straight, expected);

        // Restored from a checkpoint taken after the request: the triggering window's partials,
        // delivered again, find the window already served.
        var before = modelStage(SETTINGS, null);
        before.processBroadcastElement(MonitorHarness.references(v1), 0);
        replay(before, partials.subList(0, triggeredAt));
        assertThat(retrains(before)).containsExactly(expected);
        OperatorSubtaskState afterTrigger = before.snapshot(1, 1);
        var restored = modelStage(SETTINGS, afterTrigger);
        replay(restored, partials.subList(Math.max(0, triggeredAt - 400), partials.size()));
        restored.processWatermark(new Watermark(Long.MAX_VALUE));
        assertThat(retrains(restored)).isEmpty();

        // Restored from a checkpoint taken before it: the request is sent again, with the same key.
        var early = modelStage(SETTINGS, null);
        early.processBroadcastElement(MonitorHarness.references(v1), 0);
        replay(early, partials.subList(0, triggeredAt - 400));
        OperatorSubtaskState beforeTrigger = early.snapshot(2, 2);
        var again = modelStage(SETTINGS, beforeTrigger);
        replay(again, partials.subList(triggeredAt - 400, partials.size()));
        assertThat(retrains(again)).containsExactly(expected);
    }

    @Test
    void snapshotAndRestoreGiveTheSameReportsAndRequests() throws Exception {
        List<Object> partials = groupStageOutput(SETTINGS, champion(aroundTheShift(), 1), v1);
        var straight = modelStage(SETTINGS, null);
        straight.processBroadcastElement(MonitorHarness.references(v1), 0);
        replay(straight, partials);

        var before = modelStage(SETTINGS, null);
        before.processBroadcastElement(MonitorHarness.references(v1), 0);
        int half = partials.size() / 2;
        replay(before, partials.subList(0, half));
        OperatorSubtaskState snapshot = before.snapshot(1, 1);
        List<ModelHealthReport> reports = new ArrayList<>(reports(before));
        List<RetrainRequest> requests = new ArrayList<>(retrains(before));
        var after = modelStage(SETTINGS, snapshot);
        replay(after, partials.subList(half, partials.size()));
        reports.addAll(reports(after));
        requests.addAll(retrains(after));

        assertThat(reports).hasSizeGreaterThan(20).containsExactlyElementsOf(reports(straight));
        assertThat(requests).hasSize(1).containsExactlyElementsOf(retrains(straight));
    }

    @Test
    void theScheduleAsksEveryPeriodOfEventTime() throws Exception {
        MonitorSettings hourly = new MonitorSettings(SETTINGS.window(), SETTINGS.allowedLateness(),
                SETTINGS.attribution(), SETTINGS.driftFalseAlarmRate(), SETTINGS.minDecisions(),
                SETTINGS.sustainedWindows(), SETTINGS.qualityAlpha(), SETTINGS.aucTolerance(),
                SETTINGS.calibrationTolerance(), SETTINGS.minLabelled(),
                SETTINGS.verdictAlpha(), SETTINGS.verdictMinLabelled(), Duration.ZERO,
                Duration.ofHours(1), Duration.ofHours(2), Duration.ZERO, List.of());
        long start = firstWindow(shop.stationary);
        Run run = run(hourly, champion(during(shop.stationary, start, 3 * HOUR + 5 * 60_000), 1), v1);

        assertThat(run.retrains).extracting(RetrainRequest::reason).containsOnly(RetrainRequest.Reason.SCHEDULE);
        assertThat(run.retrains).extracting(RetrainRequest::windowEnd)
                .containsExactly(start + HOUR, start + 2 * HOUR, start + 3 * HOUR);
        assertThat(run.retrains).allMatch(r -> r.windowEnd() - r.windowStart() == 2 * HOUR);
    }

    @Test
    void liveAucFarBelowTheHoldoutAucTriggersAQualityRequest() throws Exception {
        // The same model, described as having reached 0.95 on its holdout: live, it reaches about 0.71.
        Map<String, Double> metrics = new TreeMap<>(v1.metrics());
        metrics.put("auc", 0.95);
        ModelDescriptor overpromised = new ModelDescriptor(v1.name(), 1, v1.sha256(), v1.inputTensor(), v1.inputs(),
                v1.output(), metrics, v1.reference(), v1.createdBy());
        Run run = run(SETTINGS, champion(during(shop.stationary, firstWindow(shop.stationary), 12 * WINDOW), 1),
                overpromised);

        // Half the windows or more are significantly below (at half the quality test's level, which
        // calibration shares); the request comes with the second in a row.
        assertThat(run.reports.stream().filter(r -> r.quality().aucBelowReference()).count()).isGreaterThanOrEqualTo(6);
        int second = 1;
        while (!(run.reports.get(second).quality().aucBelowReference()
                && run.reports.get(second - 1).quality().aucBelowReference())) {
            second++;
        }
        assertThat(run.retrains).hasSize(1);
        RetrainRequest request = run.retrains.get(0);
        assertThat(request.reason()).isEqualTo(RetrainRequest.Reason.QUALITY);
        assertThat(request.windowEnd()).isEqualTo(run.reports.get(second).windowEnd());
        assertThat(request.evidence()).containsEntry("reference_auc", 0.95).containsKeys("auc", "auc_p_value", "labelled");
        assertThat(request.evidence().get("auc")).isLessThan(0.85);
    }

    @Test
    void theChallengerGetsAVerdictOnlyOnceEachArmHasEnoughOutcomes() throws Exception {
        // The challenger: a model trained on a young shop, which scores the mature shop worse.
        TrainingRun.Result young = TestModels.trained(1);
        ModelDescriptor v2 = young.descriptor().withVersion(2);
        List<Row> rows = during(shop.stationary, firstWindow(shop.stationary), 30 * WINDOW);
        double[] youngScores = MatureShop.score(young.onnx(), young.descriptor(),
                rows.stream().map(Row::features).toList());
        Run run = run(SETTINGS, MonitorHarness.split(rows, 1, 2, youngScores, 0.3), v1, v2);

        List<ModelHealthReport> champion = run.reports.stream().filter(r -> r.version() == 1).toList();
        assertThat(champion).hasSize(30);
        assertThat(run.reports.stream().filter(r -> r.version() == 2)).hasSize(30)
                .allMatch(r -> r.role().equals("challenger"));
        boolean verdictSeen = false;
        for (ModelHealthReport report : champion) {
            ModelHealthReport.Comparison comparison = report.comparison();
            assertThat(comparison.champion()).isEqualTo(1);
            assertThat(comparison.challenger()).isEqualTo(2);
            assertThat(comparison.since()).isEqualTo(champion.get(0).windowStart());
            boolean enough = comparison.championLabelled() >= SETTINGS.verdictMinLabelled()
                    && comparison.challengerLabelled() >= SETTINGS.verdictMinLabelled();
            if (!enough) {
                assertThat(comparison.verdict()).as(report.toString()).isEqualTo(Verdict.NO_VERDICT);
            }
            if (verdictSeen) {
                assertThat(comparison.verdict()).isEqualTo(Verdict.CHALLENGER_WORSE);
            }
            verdictSeen |= comparison.verdict() != Verdict.NO_VERDICT;
        }
        ModelHealthReport.Comparison last = champion.get(champion.size() - 1).comparison();
        assertThat(last.verdict()).isEqualTo(Verdict.CHALLENGER_WORSE);
        assertThat(last.challengerLogLoss()).isGreaterThan(last.championLogLoss());
        assertThat(last.pValue()).isLessThanOrEqualTo(SETTINGS.verdictAlpha());
        // The verdict came after the challenger's arm reached its minimum, not before.
        ModelHealthReport firstVerdict = champion.stream()
                .filter(r -> r.comparison().verdict() != Verdict.NO_VERDICT).findFirst().orElseThrow();
        assertThat(firstVerdict.comparison().challengerLabelled()).isGreaterThanOrEqualTo(SETTINGS.verdictMinLabelled());
        assertThat(champion.get(0).comparison().verdict()).isEqualTo(Verdict.NO_VERDICT);
        System.out.printf("comparison: first verdict after %d windows, challenger %,d outcomes (log loss %.4f) vs"
                        + " champion %,d (%.4f), p %.2g%n", champion.indexOf(firstVerdict) + 1,
                firstVerdict.comparison().challengerLabelled(), firstVerdict.comparison().challengerLogLoss(),
                firstVerdict.comparison().championLabelled(), firstVerdict.comparison().championLogLoss(),
                firstVerdict.comparison().pValue());
    }

    /** Both stages, in order, to the end of time. */
    private record Run(List<ModelHealthReport> reports, List<RetrainRequest> retrains,
            org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness<String, WindowPartial, ModelReferences,
                    ModelHealthReport> model) {
    }

    private static Run run(MonitorSettings settings, List<dev.flywheel.jobs.monitor.Observation> observations,
            ModelDescriptor... versions) throws Exception {
        List<Object> partials = groupStageOutput(settings, observations, versions);
        var model = modelStage(settings, null);
        model.processBroadcastElement(MonitorHarness.references(versions), 0);
        replay(model, partials);
        List<ModelHealthReport> reports = new ArrayList<>(reports(model));
        reports.sort(java.util.Comparator.comparingLong(ModelHealthReport::windowStart)
                .thenComparingInt(ModelHealthReport::version));
        return new Run(reports, retrains(model), model);
    }

    private static List<Object> groupStageOutput(MonitorSettings settings,
            List<dev.flywheel.jobs.monitor.Observation> observations, ModelDescriptor... versions) throws Exception {
        var group = groupStage(settings, null);
        group.processBroadcastElement(MonitorHarness.references(versions), 0);
        List<dev.flywheel.jobs.monitor.Observation> ordered = inStreamOrder(observations);
        feed(group, ordered, 0, ordered.size());
        group.processWatermark(new Watermark(Long.MAX_VALUE));
        return drain(group);
    }

    /** The position in the partial stream right after the element whose processing sent {@code request}. */
    private static int indexAfter(List<Object> partials,
            org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness<?, ?, ?, ?> unused,
            RetrainRequest request) throws Exception {
        for (int i = 0; i < partials.size(); i++) {
            if (partials.get(i) instanceof Watermark watermark
                    && watermark.getTimestamp() >= request.windowEnd() + SETTINGS.allowedLateness().toMillis()) {
                return i + 1;
            }
        }
        throw new AssertionError("no watermark closes " + request);
    }

    /** The last 8 windows before the shift and 5 hours after it. */
    private static List<Row> aroundTheShift() {
        long from = SETTINGS.windowStart(shop.shiftAt) - 8 * WINDOW;
        List<Row> rows = new ArrayList<>(during(shop.stationary, from, shop.shiftAt - from));
        rows.addAll(during(shop.drifted, shop.shiftAt, 5 * HOUR));
        return rows;
    }

    private static List<Row> during(List<Row> rows, long from, long length) {
        return rows.stream().filter(r -> r.event().ts() >= from && r.event().ts() < from + length).toList();
    }

    private static long firstWindow(List<Row> rows) {
        return SETTINGS.windowStart(rows.get(0).event().ts()) + WINDOW;
    }

    private static Map<Long, List<Row>> byWindow(List<Row> rows) {
        Map<Long, List<Row>> windows = new TreeMap<>();
        rows.forEach(r -> windows.computeIfAbsent(SETTINGS.windowStart(r.event().ts()), w -> new ArrayList<>()).add(r));
        return windows;
    }

    private static boolean[] labels(List<Row> rows) {
        boolean[] labels = new boolean[rows.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rows.get(i).purchased();
        }
        return labels;
    }
}
