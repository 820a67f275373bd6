package dev.flywheel.trainer;

import com.fasterxml.jackson.databind.ObjectWriter;
import dev.flywheel.models.ModelJson;
import dev.flywheel.trainer.evaluation.HoldoutEvaluation;
import dev.flywheel.trainer.evaluation.SingleFeatureBaseline;
import dev.flywheel.trainer.training.PropensityModel;
import dev.flywheel.trainer.training.TreePropensityModel;
import dev.flywheel.trainer.references.FeatureHistogram;
import dev.flywheel.trainer.references.ReferenceBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /**
     * The report's content.
     *
     * @param modelKind     {@code boosted_trees} or {@code logistic_regression}
     * @param baseline      the best single feature on the same holdout
     * @param featureSplits for boosted trees: how many splits use each feature, most first (empty otherwise)
     */
    public record Report(String modelName, String modelKind, long trainExamples, long holdoutExamples, long cutoffTime,
                         long labelWindowSeconds, long purgeSeconds, int purgedBeforeCut, int censoredAtEnd,
                         double maxExportDeviation, HoldoutEvaluation evaluation, SingleFeatureBaseline baseline,
                         Map<String, Integer> featureSplits, List<FeatureHistogram> featureHistograms) {
    }

    private TrainingArtifacts() {
    }

    public static void write(Path directory, TrainingRun.Result result) throws IOException {
        Files.createDirectories(directory);
        ObjectWriter json = ModelJson.mapper().writerWithDefaultPrettyPrinter();
        Report report = new Report(result.descriptor().name(), result.model().kind(), result.split().train().size(),
                result.split().holdout().size(), result.split().cutoffTime(), result.labelWindow().toSeconds(),
                result.purge().toSeconds(), result.split().purgedBeforeCut(), result.split().censoredAtEnd(),
                result.maxExportDeviation(), result.evaluation(), result.baseline(), featureSplits(result.model()),
                ReferenceBuilder.featureHistograms(result.split().train()));
        atomically(directory.resolve(MODEL_FILE), result.onnx());
        atomically(directory.resolve(DESCRIPTOR_FILE), json.writeValueAsBytes(result.descriptor()));
        atomically(directory.resolve(REPORT_FILE), json.writeValueAsBytes(report));
    }

    /** Split counts by feature name, most used first; features no tree splits on are left out. */
    public static Map<String, Integer> featureSplits(PropensityModel model) {
        Map<String, Integer> splits = new LinkedHashMap<>();
        if (model instanceof TreePropensityModel trees) {
            int[] counts = trees.trees().splitCounts();
            Integer[] order = new Integer[counts.length];
            for (int j = 0; j < order.length; j++) {
                order[j] = j;
            }
            Arrays.sort(order, (a, b) -> Integer.compare(counts[b], counts[a]));
            for (int j : order) {
                if (counts[j] > 0) {
                    splits.put(model.featureNames().get(j), counts[j]);
                }
            }
        }
        return splits;
    }

    private static void atomically(Path target, byte[] bytes) throws IOException {
        Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(temporary, bytes);
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
