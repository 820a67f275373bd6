package dev.flywheel.jobs.serving;

import dev.flywheel.features.FeatureSettings;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.models.ServingVariant;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.trainer.TrainingRun;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.dataset.SimulatedWarmup;
import dev.flywheel.trainer.training.ModelKind;
import dev.flywheel.trainer.training.TrainingOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Real models for the serving tests: propensity models the trainer trains on a small simulated
 * warm-up and exports to ONNX, one per seed (different seeds, different weights), and an
 * in-memory artifact source serving them.
 */
public final class TestModels {
    public static final String MODEL = "purchase-propensity";

    private static final Map<String, TrainingRun.Result> TRAINED = new ConcurrentHashMap<>();
    private static final Map<String, ModelArtifact> STORED = new ConcurrentHashMap<>();

    private TestModels() {
    }

    /** A model trained on 20,000 warm-up events of this seed; trained once per test JVM. */
    public static TrainingRun.Result trained(long seed) {
        return trained(seed, ModelKind.BOOSTED_TREES);
    }

    /**
     * A logistic regression on the same 20,000 warm-up events: a young shop's model, over-confident
     * where a shop that has run for weeks shows larger histories. A challenger clearly worse in log loss.
     */
    public static TrainingRun.Result trainedLogistic(long seed) {
        return trained(seed, ModelKind.LOGISTIC_REGRESSION);
    }

    private static TrainingRun.Result trained(long seed, ModelKind kind) {
        return TRAINED.computeIfAbsent(kind + "/" + seed, key -> {
            LabelledExamples examples = SimulatedWarmup.generate(SimulatorConfig.defaults(seed).withUsers(400), 20_000,
                    FeatureSettings.defaults());
            String suffix = kind == ModelKind.BOOSTED_TREES ? "" : " " + kind.optionName();
            try {
                return TrainingRun.run(examples, new TrainingRun.Settings(MODEL, 0.2, TrainingOptions.defaults(seed),
                        "jobs tests seed " + seed + suffix).withKind(kind), line -> { });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    public static ModelArtifact artifact(TrainingRun.Result result) {
        return artifact(result.onnx(), result.descriptor());
    }

    public static ModelArtifact artifact(byte[] onnx, ModelDescriptor descriptor) {
        List<double[]> rows = new ArrayList<>();
        for (List<Double> row : descriptor.reference().sampleRows()) {
            rows.add(row.stream().mapToDouble(Double::doubleValue).toArray());
        }
        return new ModelArtifact(onnx, rows);
    }

    public static ServingVariant variant(String role, int version, double share, TrainingRun.Result result) {
        ModelDescriptor d = result.descriptor();
        return new ServingVariant(role, version, share, "mem:" + version, d.sha256(), d.inputTensor(), d.inputs(),
                d.output());
    }

    public static ServingConfig config(long revision, ServingVariant... variants) {
        return new ServingConfig(MODEL, revision, List.of(variants), revision);
    }

    /**
     * Artifacts by version, held in this JVM. Only a name travels with the function, so the source
     * stays serializable and a test can change what a version serves (a corrupted upload, say).
     */
    public static final class InMemoryArtifacts implements ArtifactSource {
        private static final long serialVersionUID = 1L;
        private final String name;

        public InMemoryArtifacts(String name) {
            this.name = name;
        }

        public InMemoryArtifacts put(int version, ModelArtifact artifact) {
            STORED.put(name + "/" + version, artifact);
            return this;
        }

        @Override
        public ModelArtifact fetch(String model, ServingVariant variant) throws ModelRefusedException {
            ModelArtifact artifact = STORED.get(name + "/" + variant.version());
            if (artifact == null) {
                throw new ModelRefusedException(RefusalReason.NOT_AVAILABLE, model + " v" + variant.version() + ": not stored");
            }
            return artifact;
        }
    }
}
