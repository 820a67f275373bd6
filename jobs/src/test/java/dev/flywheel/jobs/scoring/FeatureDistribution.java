package dev.flywheel.jobs.scoring;

import dev.flywheel.features.FeatureVector;
import java.util.Arrays;
import java.util.List;

/** A small text table of feature distributions (min, p50, p90, max) for a closing note or a log. */
final class FeatureDistribution {
    private FeatureDistribution() {
    }

    static String table(List<FeatureVector> vectors, List<String> features) {
        StringBuilder table = new StringBuilder(String.format("| %-26s | %12s | %12s | %12s | %12s |%n",
                "feature", "min", "p50", "p90", "max"));
        table.append(String.format("|%s|%s|%s|%s|%s|%n", "-".repeat(28), "-".repeat(14), "-".repeat(14),
                "-".repeat(14), "-".repeat(14)));
        for (String feature : features) {
            double[] values = vectors.stream().mapToDouble(vector -> vector.value(feature)).sorted().toArray();
            if (values.length == 0) {
                continue;
            }
            table.append(String.format("| %-26s | %12.4g | %12.4g | %12.4g | %12.4g |%n", feature, values[0],
                    quantile(values, 0.5), quantile(values, 0.9), values[values.length - 1]));
        }
        return table.toString();
    }

    /** Nearest-rank quantile of sorted values. */
    private static double quantile(double[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
