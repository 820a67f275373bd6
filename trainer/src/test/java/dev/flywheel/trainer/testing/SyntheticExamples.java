package dev.flywheel.trainer.testing;

import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Labelled examples drawn from a known logistic model, one a second of event time. */
public final class SyntheticExamples {
    /** Spec-like names in reverse alphabetical order, so sorting them by name would scramble the columns. */
    public static final List<String> NAMES = List.of("zeta_secs", "yield_count", "xray_ratio", "whisky_money",
            "victor_score", "uniform_flag");
    public static final long START = 1_767_225_600_000L;

    private SyntheticExamples() {
    }

    /**
     * Features on very different scales (seconds, counts, ratios, money); the true log-odds is
     * {@code bias + sum(weight[j] * standardized x[j])}, with standardization against the known
     * generating means and scales.
     */
    public static LabelledExamples logistic(int count, double[] weights, double bias, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] means = {3_000, 4, 0.5, 120, 0, 0};
        double[] scales = {1_000, 2, 0.2, 60, 1, 1};
        List<LabelledExample> examples = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            double[] x = new double[NAMES.size()];
            double logOdds = bias;
            for (int j = 0; j < x.length; j++) {
                double z = gaussian(random);
                x[j] = means[j] + scales[j] * z;
                logOdds += weights[j] * z;
            }
            double p = 1 / (1 + Math.exp(-logOdds));
            examples.add(new LabelledExample("e-" + i, x, random.nextDouble() < p, START + i * 1000L, p));
        }
        return new LabelledExamples(NAMES, examples);
    }

    /** Only column {@code k} varies and decides the label; every other column is always 0. */
    public static LabelledExamples onlyColumnMatters(int count, int k, boolean firstPurchased, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<LabelledExample> examples = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            double[] x = new double[NAMES.size()];
            x[k] = 10 + 5 * gaussian(random);
            double p = 1 / (1 + Math.exp(-(x[k] - 10) / 2));
            boolean purchased = i == 0 ? firstPurchased : random.nextDouble() < p;
            examples.add(new LabelledExample("e-" + i, x, purchased, START + i * 1000L, p));
        }
        return new LabelledExamples(NAMES, examples);
    }

    /**
     * An interaction no linear model can rank: buying is likely when columns 0 and 1 have the same
     * sign, unlikely when they differ, whatever each alone says. Column 2 adds a little on its own;
     * the rest is noise.
     */
    public static LabelledExamples sameSign(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<LabelledExample> examples = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            double[] x = new double[NAMES.size()];
            for (int j = 0; j < x.length; j++) {
                x[j] = gaussian(random);
            }
            x[0] = 3_000 + 1_000 * x[0];
            double logOdds = -1 + (x[0] > 3_000 == x[1] > 0 ? 1.5 : -1.5) + 0.5 * x[2];
            double p = 1 / (1 + Math.exp(-logOdds));
            examples.add(new LabelledExample("e-" + i, x, random.nextDouble() < p, START + i * 1000L, p));
        }
        return new LabelledExamples(NAMES, examples);
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
