package dev.flywheel.jobs.monitor;

import dev.flywheel.models.FeatureBins;
import java.util.Arrays;
import java.util.List;

/**
 * A reference distribution as bins that live values fall into: the descriptor's score quantiles
 * or one feature's training histogram. With edges {@code e[0] < ... < e[k-1]} there are
 * {@code k + 1} bins, below {@code e[0]}, {@code [e[i-1], e[i])}, and at or above {@code e[k-1]};
 * a value equal to an edge belongs to the bin above it, the trainer's rule (docs/trainer.md).
 *
 * @param edges      strictly increasing
 * @param fractions  the reference's share per bin, {@code edges.length + 1} of them, summing to 1
 * @param sampleSize how many values the reference was computed from (0: unknown, taken as exact);
 *                   a reference estimated from few values moves by chance too, and the drift
 *                   threshold widens for it
 */
public record ReferenceBins(double[] edges, double[] fractions, long sampleSize) {

    public ReferenceBins {
        if (fractions.length != edges.length + 1) {
            throw new IllegalArgumentException(edges.length + " edges need " + (edges.length + 1) + " fractions, got "
                    + fractions.length);
        }
        for (int i = 1; i < edges.length; i++) {
            if (!(edges[i - 1] < edges[i])) {
                throw new IllegalArgumentException("bin edges must increase strictly: " + Arrays.toString(edges));
            }
        }
        double sum = 0;
        for (double fraction : fractions) {
            if (!(fraction >= 0)) {
                throw new IllegalArgumentException("bin fractions must be >= 0: " + Arrays.toString(fractions));
            }
            sum += fraction;
        }
        if (Math.abs(sum - 1) > 1e-6) {
            throw new IllegalArgumentException("bin fractions must sum to 1, got " + sum);
        }
    }

    /**
     * Bins from score quantiles at the evenly spaced levels {@code 0, 1/(q-1), ..., 1}: the interval
     * between two neighbouring quantiles holds {@code 1/(q-1)} of the reference, the first and last
     * bins are open so every live score has a bin. Repeated quantiles (many identical scores) are
     * one edge, and their intervals' shares go to the bin that starts there, where the tied scores
     * fall.
     */
    public static ReferenceBins ofScoreQuantiles(List<Double> quantiles, long sampleSize) {
        if (quantiles.size() < 3) {
            throw new IllegalArgumentException("score quantiles need at least 3 levels, got " + quantiles.size());
        }
        double[] interior = quantiles.subList(1, quantiles.size() - 1).stream().mapToDouble(Double::doubleValue)
                .distinct().toArray();
        double share = 1.0 / (quantiles.size() - 1);
        double[] fractions = new double[interior.length + 1];
        for (int i = 0; i < quantiles.size() - 1; i++) {
            // Interval i runs from quantile i to quantile i + 1 (the first is open below) and lands in
            // the bin its lower end falls into; a zero-width interval is a point mass, which goes above.
            fractions[binOf(interior, quantiles.get(i))] += share;
        }
        return new ReferenceBins(interior, fractions, sampleSize);
    }

    public static ReferenceBins ofFeature(FeatureBins bins, long sampleSize) {
        double[] fractions = bins.fractions().stream().mapToDouble(Double::doubleValue).toArray();
        double sum = Arrays.stream(fractions).sum();
        // The trainer writes fractions of a count, summing to 1 up to rounding; normalising keeps
        // a descriptor written by hand with a rounding slip usable.
        for (int i = 0; i < fractions.length; i++) {
            fractions[i] /= sum;
        }
        return new ReferenceBins(bins.edges().stream().mapToDouble(Double::doubleValue).toArray(), fractions, sampleSize);
    }

    public int bins() {
        return fractions.length;
    }

    public int binOf(double value) {
        return binOf(edges, value);
    }

    static int binOf(double[] edges, double value) {
        int position = Arrays.binarySearch(edges, value);
        return position >= 0 ? position + 1 : -position - 1;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ReferenceBins that && sampleSize == that.sampleSize && Arrays.equals(edges, that.edges)
                && Arrays.equals(fractions, that.fractions);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(edges) + Arrays.hashCode(fractions)) + Long.hashCode(sampleSize);
    }

    @Override
    public String toString() {
        return "ReferenceBins[edges " + Arrays.toString(edges) + ", fractions " + Arrays.toString(fractions) + ", n "
                + sampleSize + "]";
    }
}
