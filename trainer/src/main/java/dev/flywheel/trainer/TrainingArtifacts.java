package dev.flywheel.trainer;

import com.fasterxml.jackson.databind.ObjectWriter;
import dev.flywheel.models.ModelJson;
import dev.flywheel.trainer.evaluation.HoldoutEvaluation;
import dev.flywheel.trainer.references.FeatureHistogram;
import dev.flywheel.trainer.references.ReferenceBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * What a run leaves in its output directory: the ONNX model, its registry descriptor, and a report
 * with the split, the holdout evaluation (calibration table included) and the training histograms
 * with counts (the descriptor carries them as fractions). Each file is written to a temporary name
 * and moved into place, so a reader never sees half a model.
 */
public final class TrainingArtifacts {
    public static final String MODEL_FILE = "model.onnx";
    public static final String DESCRIPTOR_FILE = "descriptor.json";
    public static final String REPORT_FILE = "report.json";

    /** The report's content. */
    public record Report(String modelName, long trainExamples, long holdoutExamples, long cutoffTime,
                         int purgedBeforeCut, int censoredAtEnd, double maxExportDeviation,
                         HoldoutEvaluation evaluation, List<FeatureHistogram> featureHistograms) {
    }

    private TrainingArtifacts() {
    }

    public static void write(Path directory, TrainingRun.Result result) throws IOException {
        Files.createDirectories(directory);
        ObjectWriter json = ModelJson.mapper().writerWithDefaultPrettyPrinter();
        Report report = new Report(result.descriptor().name(), result.split().train().size(),
                result.split().holdout().size(), result.split().cutoffTime(), result.split().purgedBeforeCut(),
                result.split().censoredAtEnd(), result.maxExportDeviation(), result.evaluation(),
                ReferenceBuilder.featureHistograms(result.split().train()));
        atomically(directory.resolve(MODEL_FILE), result.onnx());
        atomically(directory.resolve(DESCRIPTOR_FILE), json.writeValueAsBytes(result.descriptor()));
        atomically(directory.resolve(REPORT_FILE), json.writeValueAsBytes(report));
    }

    private static void atomically(Path target, byte[] bytes) throws IOException {
        Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(temporary, bytes);
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
