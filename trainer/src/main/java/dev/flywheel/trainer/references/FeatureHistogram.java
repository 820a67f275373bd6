package dev.flywheel.trainer.references;

import java.util.Arrays;

/**
 * A feature's training distribution for drift detection: bin edges at its quantiles, and the count
 * of values per bin. With edges {@code e[0] < ... < e[k-1]} there are {@code k + 1} bins: below
 * {@code e[0]}, then {@code [e[i-1], e[i])}, then at or above {@code e[k-1]}; a value equal to an
 * edge belongs to the bin above it. Repeated quantiles (a count feature that is mostly 0) collapse
 * into one edge, so discrete features get fewer, honest bins instead of empty slivers.
 */
public record FeatureHistogram(String feature, double[] edges, long[] counts) {

    public FeatureHistogram {
        if (counts.length != edges.length + 1) {
            throw new IllegalArgumentException(feature + ": " + edges.length + " edges need "
                    + (edges.length + 1) + " counts, got " + counts.length);
        }
    }

    /** Edges at the quantiles {@code 1/binCount, ..., (binCount-1)/binCount} of the values. */
    public static FeatureHistogram ofQuantiles(String feature, double[] values, int binCount) {
        if (binCount < 2) {
            throw new IllegalArgumentException("a histogram needs at least 2 bins, got " + binCount);
        }
        double[] levels = new double[binCount - 1];
        for (int i = 1; i < binCount; i++) {
            levels[i - 1] = (double) i / binCount;
        }
        double[] edges = Arrays.stream(Quantiles.at(values, levels)).distinct().toArray();
        long[] counts = new long[edges.length + 1];
        for (double value : values) {
            counts[binOf(edges, value)]++;
        }
        return new FeatureHistogram(feature, edges, counts);
    }

    /** The bin index of a value under this histogram's edge rule. */
    public static int binOf(double[] edges, double value) {
        int position = Arrays.binarySearch(edges, value);
        // an exact hit on edge i belongs to the bin above it, i + 1; a miss lands at its insertion point
        return position >= 0 ? position + 1 : -position - 1;
    }

    public long total() {
        return Arrays.stream(counts).sum();
    }

    public double[] fractions() {
        double total = total();
        return Arrays.stream(counts).mapToDouble(c -> c / total).toArray();
    }

    // A record compares arrays by reference; histograms are compared by content.
    @Override
    public boolean equals(Object other) {
        return other instanceof FeatureHistogram that && feature.equals(that.feature)
                && Arrays.equals(edges, that.edges) && Arrays.equals(counts, that.counts);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * feature.hashCode() + Arrays.hashCode(edges)) + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "FeatureHistogram[" + feature + ", edges " + Arrays.toString(edges) + ", counts " + Arrays.toString(counts) + "]";
    }
}
