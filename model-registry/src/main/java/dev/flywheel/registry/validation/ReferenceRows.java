package dev.flywheel.registry.validation;

import dev.flywheel.models.FeatureBins;
import dev.flywheel.models.ModelDescriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows a model must score sensibly before it may serve: the descriptor's sample rows, an
 * all-zero row (every feature's cold-start default), and one row per bin-edge index so every
 * feature takes values across its training range.
 */
final class ReferenceRows {
    static final int MAX_ROWS = 64;

    private ReferenceRows() {
    }

    static float[][] of(ModelDescriptor descriptor) {
        int width = descriptor.inputs().size();
        List<float[]> rows = new ArrayList<>();
        for (List<Double> sample : descriptor.reference().sampleRows()) {
            float[] row = new float[width];
            for (int i = 0; i < width; i++) {
                row[i] = sample.get(i).floatValue();
            }
            rows.add(row);
        }
        rows.add(new float[width]);
        int maxEdges = descriptor.reference().featureBins().values().stream()
                .mapToInt(b -> b.edges().size()).max().orElse(0);
        for (int edge = 0; edge < maxEdges; edge++) {
            float[] row = new float[width];
            for (int i = 0; i < width; i++) {
                FeatureBins bins = descriptor.reference().featureBins().get(descriptor.inputs().get(i));
                if (bins != null && !bins.edges().isEmpty()) {
                    row[i] = bins.edges().get(Math.min(edge, bins.edges().size() - 1)).floatValue();
                }
            }
            rows.add(row);
        }
        return rows.stream().limit(MAX_ROWS).toArray(float[][]::new);
    }
}
