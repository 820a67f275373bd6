package dev.flywheel.models;

import java.util.List;

/**
 * A feature's training distribution as a histogram: {@code edges.size() + 1} bins, the first open
 * below {@code edges[0]}, the last open above the last edge; {@code fractions} sum to 1.
 */
public record FeatureBins(List<Double> edges, List<Double> fractions) {
    public FeatureBins {
        edges = List.copyOf(edges);
        fractions = List.copyOf(fractions);
        if (fractions.size() != edges.size() + 1) {
            throw new IllegalArgumentException("feature bins need edges.size() + 1 fractions, got "
                    + edges.size() + " edges and " + fractions.size() + " fractions");
        }
        for (int i = 1; i < edges.size(); i++) {
            if (!(edges.get(i - 1) < edges.get(i))) {
                throw new IllegalArgumentException("feature bin edges must increase strictly: " + edges);
            }
        }
    }
}
