package dev.flywheel.jobs.monitor;

import dev.flywheel.decisions.Decision;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.health.ModelHealthReport;
import dev.flywheel.jobs.monitor.MatureShop.Row;
import dev.flywheel.jobs.serving.TrafficSplit;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelJson;
import dev.flywheel.outcomes.Outcome;
import dev.flywheel.retrain.RetrainRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;

/**
 * What the monitor's harness tests share: decisions and outcomes made from the mature shop's rows
 * as the scoring job makes them, the two stages in harnesses, and the stream between them.
 */
final class MonitorHarness {
    static final String MODEL = MatureShop.MODEL;
    static final long ATTRIBUTION_MS = 1_800_000;
    /** How far the harness watermark trails the newest record, as the sources' bounded out-of-orderness. */
    static final long BOUND = 5_000;

    private MonitorHarness() {
    }

    static Decision decision(Row row, int version, String variant) {
        return decision(row, MODEL, version, variant);
    }

    static Decision decision(Row row, String model, int version, String variant) {
        ShopperEvent event = row.event();
        String item = event instanceof ShopperEvent.ItemEvent itemEvent ? itemEvent.itemId() : null;
        return new Decision(Decision.idOf(event.eventId(), model, version), event.eventId(), event.type(),
                event.userId(), event.sessionId(), item, model, version, variant, row.score(),
                FeatureSpec.current().version(), row.features(), event.ts(), event.ts());
    }

    static Outcome outcome(Decision decision, boolean purchased) {
        return new Outcome(decision, purchased, decision.eventTime() + ATTRIBUTION_MS, ATTRIBUTION_MS,
                purchased ? "order-" + decision.eventId() : null, 0, 0);
    }

    /** Every row decided by {@code version} as champion, with its outcome. */
    static List<Observation> champion(List<Row> rows, int version) {
        List<Observation> observations = new ArrayList<>();
        for (Row row : rows) {
            Decision decision = decision(row, version, "champion");
            observations.add(Observation.of(decision));
            observations.add(Observation.of(outcome(decision, row.purchased())));
        }
        return observations;
    }

    /**
     * The rows split by the scoring job's traffic split: users whose bucket is below {@code share}
     * are decided by the challenger with its own scores, the others by the champion.
     */
    static List<Observation> split(List<Row> rows, int champion, int challenger, double[] challengerScores, double share) {
        List<Observation> observations = new ArrayList<>();
        List<Decision> decisions = splitDecisions(rows, MODEL, champion, challenger, challengerScores, share);
        for (int i = 0; i < rows.size(); i++) {
            observations.add(Observation.of(decisions.get(i)));
            observations.add(Observation.of(outcome(decisions.get(i), rows.get(i).purchased())));
        }
        return observations;
    }

    /** The rows' decisions under a traffic split of {@code model}, in row order. */
    static List<Decision> splitDecisions(List<Row> rows, String model, int champion, int challenger,
            double[] challengerScores, double share) {
        List<Decision> decisions = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            boolean onChallenger = TrafficSplit.bucket(model, row.event().userId()) < share;
            Row scored = onChallenger ? new Row(row.event(), row.features(), row.purchased(), challengerScores[i]) : row;
            decisions.add(decision(scored, model, onChallenger ? challenger : champion,
                    onChallenger ? "challenger" : "champion"));
        }
        return decisions;
    }


    static ModelReferences references(ModelDescriptor... versions) {
        int[] numbers = new int[versions.length];
        String[] json = new String[versions.length];
        for (int i = 0; i < versions.length; i++) {
            numbers[i] = versions[i].version();
            json[i] = new String(ModelJson.encode(versions[i]), StandardCharsets.UTF_8);
        }
        return new ModelReferences(MODEL, numbers, json);
    }

    static KeyedBroadcastOperatorTestHarness<String, Observation, ModelReferences, WindowPartial> groupStage(
            MonitorSettings settings, OperatorSubtaskState restoreFrom) throws Exception {
        return open(new KeyedBroadcastOperatorTestHarness<>(new CoBroadcastWithKeyedOperator<>(
                new GroupWindowFunction(settings), List.of(GroupWindowFunction.DESCRIPTORS)),
                Observation::groupKey, Types.STRING, 1, 1, 0), restoreFrom);
    }

    static KeyedBroadcastOperatorTestHarness<String, WindowPartial, ModelReferences, ModelHealthReport> modelStage(
            MonitorSettings settings, OperatorSubtaskState restoreFrom) throws Exception {
        return open(new KeyedBroadcastOperatorTestHarness<>(new CoBroadcastWithKeyedOperator<>(
                new ModelHealthFunction(settings), List.of(GroupWindowFunction.DESCRIPTORS)),
                WindowPartial::model, Types.STRING, 1, 1, 0), restoreFrom);
    }

    private static <IN, OUT> KeyedBroadcastOperatorTestHarness<String, IN, ModelReferences, OUT> open(
            KeyedBroadcastOperatorTestHarness<String, IN, ModelReferences, OUT> harness, OperatorSubtaskState restoreFrom)
            throws Exception {
        harness.setup();
        if (restoreFrom != null) {
            harness.initializeState(restoreFrom);
        }
        harness.open();
        // model-updates carry no event time: their side never holds the watermark back.
        harness.processBroadcastWatermark(Long.MAX_VALUE);
        return harness;
    }

    /**
     * Observations in timestamp order, as the sources deliver them, with a trailing watermark
     * after every 100; from {@code from} (inclusive) to {@code to} (exclusive) of that order.
     */
    static void feed(KeyedBroadcastOperatorTestHarness<String, Observation, ModelReferences, WindowPartial> harness,
            List<Observation> ordered, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            Observation observation = ordered.get(i);
            harness.processElement(observation, observation.timestamp());
            if (i % 100 == 99) {
                harness.processWatermark(new Watermark(observation.timestamp() - BOUND));
            }
        }
    }

    static List<Observation> inStreamOrder(List<Observation> observations) {
        List<Observation> ordered = new ArrayList<>(observations);
        ordered.sort(Comparator.comparingLong(Observation::timestamp).thenComparing(Observation::decisionId));
        return ordered;
    }

    /** What a harness emitted so far (records and watermarks, in order), taken out of it. */
    static List<Object> drain(KeyedBroadcastOperatorTestHarness<?, ?, ?, ?> harness) {
        List<Object> elements = new ArrayList<>(harness.getOutput());
        harness.getOutput().clear();
        return elements;
    }

    /** Replays one stage's output into the next: its records with their timestamps, and its watermarks. */
    @SuppressWarnings("unchecked")
    static void replay(KeyedBroadcastOperatorTestHarness<String, WindowPartial, ModelReferences, ModelHealthReport> harness,
            List<Object> elements) throws Exception {
        for (Object element : elements) {
            if (element instanceof StreamRecord<?> record) {
                harness.processElement((StreamRecord<WindowPartial>) record);
            } else if (element instanceof Watermark watermark) {
                harness.processWatermark(watermark);
            }
        }
    }

    static List<ModelHealthReport> reports(KeyedBroadcastOperatorTestHarness<?, ?, ?, ModelHealthReport> harness) {
        return harness.extractOutputValues().stream()
                .map(MonitorHarness::withoutWallClock).toList();
    }

    static List<RetrainRequest> retrains(KeyedBroadcastOperatorTestHarness<?, ?, ?, ModelHealthReport> harness) {
        var emitted = harness.getSideOutput(ModelHealthFunction.RETRAIN_REQUESTS);
        if (emitted == null) {
            return List.of();
        }
        return emitted.stream().map(StreamRecord::getValue)
                .map(r -> new RetrainRequest(r.model(), r.reason(), r.evidence(), r.windowStart(), r.windowEnd(),
                        r.idempotencyKey(), 0))
                .toList();
    }

    /** A report with its wall-clock field zeroed, for comparing runs. */
    static ModelHealthReport withoutWallClock(ModelHealthReport r) {
        return new ModelHealthReport(r.model(), r.version(), r.role(), r.windowStart(), r.windowEnd(), r.decisions(),
                r.drift(), r.quality(), r.comparison(), r.retrain(), 0);
    }

    /** Keyed state entries; the broadcast harness has no numKeyedStateEntries(). */
    static int keyedStateEntries(KeyedBroadcastOperatorTestHarness<?, ?, ?, ?> harness) {
        return ((HeapKeyedStateBackend<?>) harness.getOperator().getKeyedStateBackend()).numKeyValueStateEntries();
    }

    static <T> List<T> select(List<ModelHealthReport> reports, Function<ModelHealthReport, T> field) {
        return reports.stream().map(field).toList();
    }
}
