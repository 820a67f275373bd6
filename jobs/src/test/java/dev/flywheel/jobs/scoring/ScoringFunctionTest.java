package dev.flywheel.jobs.scoring;

import static dev.flywheel.jobs.serving.TestModels.MODEL;
import static dev.flywheel.jobs.serving.TestModels.artifact;
import static dev.flywheel.jobs.serving.TestModels.config;
import static dev.flywheel.jobs.serving.TestModels.trained;
import static dev.flywheel.jobs.serving.TestModels.variant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.decisions.Decision;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.features.UserState;
import dev.flywheel.jobs.features.FeatureHarness;
import dev.flywheel.jobs.features.UserFeatures;
import dev.flywheel.jobs.serving.ModelArtifact;
import dev.flywheel.jobs.serving.ModelUpdate;
import dev.flywheel.jobs.serving.TestModels.InMemoryArtifacts;
import dev.flywheel.jobs.serving.TrafficSplit;
import dev.flywheel.models.ModelJson;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.models.ServingVariant;
import dev.flywheel.trainer.TrainingRun;
import dev.flywheel.trainer.export.OnnxScorer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The scoring stage in Flink's broadcast harness, with real ONNX models the trainer trained. */
class ScoringFunctionTest {
    private static final FeatureSettings SETTINGS = FeatureSettings.defaults();
    private static final Duration LOAD_TIMEOUT = Duration.ofMinutes(2);

    @Test
    void inEventTimeOrderTheCompleteVectorIsTheOfflineReplays() throws Exception {
        List<ShopperEvent> events = FeatureHarness.simulatedEvents(3, 200, 4_000);
        ScoringFunction function = function(new InMemoryArtifacts("none"));
        var harness = harness(function, null);
        for (Tuple2<ShopperEvent, UserFeatures> record : userStage(events)) {
            harness.processElement(record, record.f0.ts());
        }
        List<FeatureVector> vectors = harness.getSideOutput(ScoringFunction.FEATURE_VECTORS).stream()
                .map(StreamRecord::getValue).toList();
        assertThat(vectors).isEqualTo(OfflineFeatureReplay.replay(events, SETTINGS));
        // No model is ready: the job keeps going and makes up no score.
        assertThat(harness.extractOutputValues()).isEmpty();
    }

    @Test
    void everyEventGetsOneDecisionPerVariantScoredOnItsOwnVector() throws Exception {
        TrainingRun.Result v1 = trained(1);
        TrainingRun.Result v2 = trained(2);
        TrainingRun.Result v3 = trained(3);
        InMemoryArtifacts artifacts = new InMemoryArtifacts("split").put(1, artifact(v1)).put(2, artifact(v2))
                .put(3, artifact(v3));
        ScoringFunction function = function(artifacts);
        var harness = harness(function, null);
        harness.processBroadcastElement(update(config(1, variant(ServingVariant.CHAMPION, 1, 0.8, v1),
                variant(ServingVariant.CHALLENGER, 2, 0.2, v2), variant(ServingVariant.SHADOW, 3, 0.5, v3))), 0);
        function.awaitModelLoads(LOAD_TIMEOUT);

        List<ShopperEvent> events = FeatureHarness.simulatedEvents(4, 300, 3_000);
        for (Tuple2<ShopperEvent, UserFeatures> record : userStage(events)) {
            harness.processElement(record, record.f0.ts());
        }
        List<Decision> decisions = harness.extractOutputValues();
        Map<String, FeatureVector> vectors = harness.getSideOutput(ScoringFunction.FEATURE_VECTORS).stream()
                .map(StreamRecord::getValue).collect(Collectors.toMap(FeatureVector::eventId, v -> v));

        Map<String, List<Decision>> byEvent = decisions.stream().collect(Collectors.groupingBy(Decision::eventId));
        assertThat(byEvent).hasSize(events.size());
        int challengers = 0;
        for (ShopperEvent event : events) {
            List<Decision> made = byEvent.get(event.eventId());
            boolean challenger = TrafficSplit.bucket(MODEL, event.userId()) < 0.2;
            boolean shadowed = TrafficSplit.shadowBucket(MODEL, event.userId()) < 0.5;
            assertThat(made).filteredOn(Decision::acted).singleElement().satisfies(acting -> {
                assertThat(acting.variant()).isEqualTo(challenger ? "challenger" : "champion");
                assertThat(acting.modelVersion()).isEqualTo(challenger ? 2 : 1);
            });
            assertThat(made).filteredOn(d -> !d.acted()).extracting(Decision::modelVersion)
                    .containsExactlyElementsOf(shadowed ? List.of(3) : List.of());
            for (Decision decision : made) {
                assertThat(decision.features()).isEqualTo(vectors.get(event.eventId()).values());
                assertThat(decision.decisionId()).isEqualTo(event.eventId() + "/" + MODEL + "/" + decision.modelVersion());
            }
            challengers += challenger ? 1 : 0;
        }
        assertThat(challengers).isBetween(1, events.size() / 2);

        // The scores are the models' own: ONNX Runtime on the logged vector gives the same float.
        Map<Integer, TrainingRun.Result> models = Map.of(1, v1, 2, v2, 3, v3);
        for (int version : models.keySet()) {
            TrainingRun.Result model = models.get(version);
            List<Decision> ofVersion = decisions.stream().filter(d -> d.modelVersion() == version).toList();
            try (OnnxScorer scorer = new OnnxScorer(model.onnx(), model.descriptor().inputs().size())) {
                List<double[]> rows = ofVersion.stream().map(d -> select(d.features(), model)).toList();
                double[] expected = scorer.column(rows, model.descriptor().output().scoreIndex());
                for (int i = 0; i < expected.length; i++) {
                    assertThat(ofVersion.get(i).score()).isEqualTo((float) expected[i]);
                }
            }
        }
    }

    @Test
    void aCorruptedOrBrokenVersionIsRefusedAndThePreviousKeepsServing() throws Exception {
        TrainingRun.Result v1 = trained(1);
        TrainingRun.Result v2 = trained(2);
        byte[] corrupted = v2.onnx().clone();
        corrupted[corrupted.length / 2] ^= 0x5a;
        byte[] garbage = "not an onnx model".getBytes(StandardCharsets.UTF_8);
        InMemoryArtifacts artifacts = new InMemoryArtifacts("refusals").put(1, artifact(v1))
                .put(2, new ModelArtifact(corrupted, List.of())).put(3, new ModelArtifact(garbage, List.of()));
        ScoringFunction function = function(artifacts);
        var harness = harness(function, null);
        harness.processBroadcastElement(update(config(1, variant(ServingVariant.CHAMPION, 1, 1, v1))), 0);
        function.awaitModelLoads(LOAD_TIMEOUT);

        // v2's bytes changed after its checksum was taken; v3 has the right checksum but is no ONNX model.
        harness.processBroadcastElement(update(config(2, variant(ServingVariant.CHAMPION, 2, 1, v2))), 0);
        function.awaitModelLoads(LOAD_TIMEOUT);
        ServingVariant broken = variant(ServingVariant.CHAMPION, 3, 1, v1);
        broken = new ServingVariant(broken.role(), 3, 1, broken.artifactUri(), sha256(garbage), broken.inputTensor(),
                broken.inputs(), broken.output());
        harness.processBroadcastElement(update(config(3, broken)), 0);
        function.awaitModelLoads(LOAD_TIMEOUT);

        List<ShopperEvent> events = FeatureHarness.simulatedEvents(5, 50, 200);
        for (Tuple2<ShopperEvent, UserFeatures> record : userStage(events)) {
            harness.processElement(record, record.f0.ts());
        }
        assertThat(harness.extractOutputValues()).hasSize(events.size())
                .allSatisfy(decision -> assertThat(decision.modelVersion()).isEqualTo(1));
    }

    @Test
    void aRestoredSubtaskServesWhatItServedBeforeItsFirstEvent() throws Exception {
        TrainingRun.Result v1 = trained(1);
        TrainingRun.Result v2 = trained(2);
        InMemoryArtifacts artifacts = new InMemoryArtifacts("restore").put(1, artifact(v1)).put(2, artifact(v2));
        ScoringFunction before = function(artifacts);
        var first = harness(before, null);
        first.processBroadcastElement(update(config(1, variant(ServingVariant.CHAMPION, 1, 1, v1))), 0);
        first.processBroadcastElement(update(config(2, variant(ServingVariant.CHAMPION, 2, 1, v2))), 0);
        before.awaitModelLoads(LOAD_TIMEOUT);
        OperatorSubtaskState snapshot = first.snapshot(1, 1);
        first.close();

        var restored = harness(function(artifacts), snapshot);
        List<ShopperEvent> events = FeatureHarness.simulatedEvents(6, 20, 50);
        for (Tuple2<ShopperEvent, UserFeatures> record : userStage(events)) {
            restored.processElement(record, record.f0.ts());
        }
        // No model-updates record since the restore, no waiting: v2 from the first event on.
        assertThat(restored.extractOutputValues()).hasSize(events.size())
                .allSatisfy(decision -> assertThat(decision.modelVersion()).isEqualTo(2));
    }

    @Test
    void snapshotAndRestoreMidStreamGiveTheSameItemFeatures() throws Exception {
        List<ShopperEvent> events = FeatureHarness.simulatedEvents(8, 200, 4_000);
        List<Tuple2<ShopperEvent, UserFeatures>> records = userStage(events);
        int cut = records.size() / 2;

        var first = harness(function(new InMemoryArtifacts("none")), null);
        for (Tuple2<ShopperEvent, UserFeatures> record : records.subList(0, cut)) {
            first.processElement(record, record.f0.ts());
        }
        OperatorSubtaskState snapshot = first.snapshot(1, 1);
        List<FeatureVector> vectors = new ArrayList<>(vectors(first));
        first.close();
        var restored = harness(function(new InMemoryArtifacts("none")), snapshot);
        for (Tuple2<ShopperEvent, UserFeatures> record : records.subList(cut, records.size())) {
            restored.processElement(record, record.f0.ts());
        }
        vectors.addAll(vectors(restored));

        assertThat(vectors).isEqualTo(OfflineFeatureReplay.replay(events, SETTINGS));
    }

    @Test
    void anItemSilentForTheTtlLeavesNoStateAndNoTimer() throws Exception {
        List<ShopperEvent> events = FeatureHarness.simulatedEvents(9, 50, 500);
        var harness = harness(function(new InMemoryArtifacts("none")), null);
        for (Tuple2<ShopperEvent, UserFeatures> record : userStage(events)) {
            harness.processElement(record, record.f0.ts());
        }
        long items = events.stream().filter(e -> e instanceof ShopperEvent.ItemEvent)
                .map(e -> ((ShopperEvent.ItemEvent) e).itemId()).distinct().count();
        assertThat(keyedStateEntries(harness)).isEqualTo((int) items);
        assertThat(harness.numEventTimeTimers()).isEqualTo((int) items);

        long last = events.get(events.size() - 1).ts();
        harness.processBroadcastWatermark(Long.MAX_VALUE); // model-updates carry no event time
        harness.processWatermark(last + SETTINGS.stateTtlMillis());

        assertThat(keyedStateEntries(harness)).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    /** What the keyed harnesses' numKeyedStateEntries() counts; the broadcast harness has no such method. */
    private static int keyedStateEntries(KeyedBroadcastOperatorTestHarness<?, ?, ?, ?> harness) {
        return ((org.apache.flink.runtime.state.heap.HeapKeyedStateBackend<?>) harness.getOperator()
                .getKeyedStateBackend()).numKeyValueStateEntries();
    }

    private static List<FeatureVector> vectors(
            KeyedBroadcastOperatorTestHarness<String, Tuple2<ShopperEvent, UserFeatures>, ModelUpdate, Decision> harness) {
        return harness.getSideOutput(ScoringFunction.FEATURE_VECTORS).stream().map(StreamRecord::getValue).toList();
    }

    private static ScoringFunction function(InMemoryArtifacts artifacts) {
        return new ScoringFunction(SETTINGS, List.of(MODEL), artifacts, true);
    }

    private static KeyedBroadcastOperatorTestHarness<String, Tuple2<ShopperEvent, UserFeatures>, ModelUpdate, Decision>
            harness(ScoringFunction function, OperatorSubtaskState restoreFrom) throws Exception {
        var harness = new KeyedBroadcastOperatorTestHarness<>(
                new CoBroadcastWithKeyedOperator<>(function, List.of(ScoringFunction.SERVING_CONFIGS)),
                ScoringFunction::key, Types.STRING, 1, 1, 0);
        harness.setup();
        if (restoreFrom != null) {
            harness.initializeState(restoreFrom);
        }
        harness.open();
        return harness;
    }

    /** What the user stage hands on, computed with the same state class in the same order. */
    static List<Tuple2<ShopperEvent, UserFeatures>> userStage(List<ShopperEvent> events) {
        Map<String, UserState> users = new HashMap<>();
        List<Tuple2<ShopperEvent, UserFeatures>> records = new ArrayList<>();
        for (ShopperEvent event : events) {
            UserState user = users.computeIfAbsent(event.userId(), id -> new UserState());
            double[] values = user.applyUser(event, SETTINGS);
            records.add(Tuple2.of(event, new UserFeatures(values, user.usualUnitPrice())));
        }
        return records;
    }

    static ModelUpdate update(ServingConfig config) {
        return new ModelUpdate(config.model(), new String(ModelJson.encode(config), StandardCharsets.UTF_8));
    }

    private static double[] select(double[] specVector, TrainingRun.Result model) {
        List<String> names = dev.flywheel.features.FeatureSpec.current().names();
        return model.descriptor().inputs().stream().mapToDouble(name -> specVector[names.indexOf(name)]).toArray();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
