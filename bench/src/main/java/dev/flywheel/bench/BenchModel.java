package dev.flywheel.bench;

import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.jobs.serving.ModelArtifact;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelJson;
import dev.flywheel.models.ServingVariant;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.trainer.TrainingArtifacts;
import dev.flywheel.trainer.TrainingRun;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.dataset.SimulatedWarmup;
import dev.flywheel.trainer.training.TrainingOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The model every scorer benchmark serves: the purchase-propensity model the trainer trains on a
 * simulated warm-up and exports to ONNX (what {@code scripts/train.sh train --out DIR} writes), read
 * back from its directory, so JMH's forked JVMs and the end-to-end benchmark score the same file.
 *
 * @param directory  holds {@code model.onnx} and {@code descriptor.json}
 * @param onnx       the model file's bytes
 * @param descriptor what the registry is told about it
 */
public record BenchModel(Path directory, byte[] onnx, ModelDescriptor descriptor) {
    public static final String NAME = "purchase-propensity";

    /** Trains a model on {@code warmupEvents} simulated events of a small shop and writes it to {@code directory}. */
    public static BenchModel train(Path directory, long seed, int warmupEvents) throws Exception {
        LabelledExamples examples = SimulatedWarmup.generate(SimulatorConfig.defaults(seed).withUsers(400),
                warmupEvents, FeatureSettings.defaults());
        TrainingRun.Result result = TrainingRun.run(examples, new TrainingRun.Settings(NAME, 0.2,
                TrainingOptions.defaults(seed), "benchmark seed " + seed), line -> { });
        TrainingArtifacts.write(directory, result);
        return read(directory);
    }

    /** A model directory as the trainer writes it. */
    public static BenchModel read(Path directory) throws IOException {
        Path model = directory.resolve(TrainingArtifacts.MODEL_FILE);
        Path descriptor = directory.resolve(TrainingArtifacts.DESCRIPTOR_FILE);
        if (!Files.isRegularFile(model) || !Files.isRegularFile(descriptor)) {
            throw new IllegalArgumentException(directory + " holds no " + TrainingArtifacts.MODEL_FILE + " and "
                    + TrainingArtifacts.DESCRIPTOR_FILE + " (write one with scripts/train.sh train --out DIR)");
        }
        return new BenchModel(directory, Files.readAllBytes(model), ModelJson.descriptor(Files.readAllBytes(descriptor)));
    }

    /** The model as a serving config names it, as champion, without a registry. */
    public ServingVariant variant() {
        return new ServingVariant(ServingVariant.CHAMPION, 1, 1.0, directory.toUri().toString(), descriptor.sha256(),
                descriptor.inputTensor(), descriptor.inputs(), descriptor.output());
    }

    /** The bytes with the descriptor's reference rows, which loading scores as its warm-up. */
    public ModelArtifact artifact() {
        List<double[]> rows = new ArrayList<>();
        for (List<Double> row : descriptor.reference().sampleRows()) {
            rows.add(row.stream().mapToDouble(Double::doubleValue).toArray());
        }
        return new ModelArtifact(onnx, rows);
    }

    /** For input column j of the model, the index of its feature in the spec's vector. */
    public int[] specIndex() {
        FeatureSpec spec = FeatureSpec.current();
        return descriptor.inputs().stream().mapToInt(spec::indexOf).toArray();
    }

    /**
     * Real feature vectors in spec order: the offline replay of {@code count} simulated events, so
     * the values have the spread (zeros, cold starts, long sessions) the job scores.
     */
    public static List<double[]> specVectors(long seed, int count) {
        List<SimulatedEvent> events = new ShopSimulator(SimulatorConfig.defaults(seed).withUsers(5_000)).take(count);
        List<double[]> vectors = new ArrayList<>(count);
        for (FeatureVector vector : OfflineFeatureReplay.replay(events.stream().map(SimulatedEvent::event).toList(),
                FeatureSettings.defaults())) {
            vectors.add(vector.values());
        }
        return vectors;
    }
}
