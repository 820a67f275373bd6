package dev.flywheel.simulator;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The shopper population. Nothing is stored per shopper: traits are re-derived from (seed, index)
 * whenever a session starts, so a million shoppers cost nothing until they shop.
 */
final class Shoppers {
    static final String USER_PREFIX = "user-";
    static final String BOT_PREFIX = "bot-";

    /** Activity is clipped here so that drawing shoppers by activity can use rejection sampling. */
    static final double MAX_ACTIVITY = 8.0;

    /** Median (and mean) of the shoppers' baseline purchase log-odds. */
    static final double MEDIAN_PURCHASE_LOGIT = -2.2;

    /** Sum of the Dirichlet concentrations: small, so each shopper cares about a few categories. */
    private static final double PREFERENCE_CONCENTRATION = 2.0;

    /**
     * @param preferences      probability of each category being a session's focus (sums to 1)
     * @param priceSensitivity how strongly prices above the shopper's comfort lower buying (median 1)
     * @param purchaseLogit    baseline log-odds of a session ending in a purchase
     */
    record Traits(double[] preferences, double priceSensitivity, double purchaseLogit) {
    }

    private final long seed;
    private final ShopCatalog catalog;

    Shoppers(long seed, ShopCatalog catalog) {
        this.seed = seed;
        this.catalog = catalog;
    }

    static String userId(long index) {
        return USER_PREFIX + index;
    }

    static String botId(long index) {
        return BOT_PREFIX + index;
    }

    Traits traits(long index) {
        SplittableRandom random = DerivedRandom.of(seed, DerivedRandom.USER_TRAITS, index);
        int categories = catalog.categoryCount();
        double[] preferences = new double[categories];
        double total = 0;
        for (int c = 0; c < categories; c++) {
            preferences[c] = gamma(PREFERENCE_CONCENTRATION * catalog.popularity(c), random);
            total += preferences[c];
        }
        for (int c = 0; c < categories; c++) {
            // All-zero draws happen when every concentration is tiny; fall back to the population mix.
            preferences[c] = total > 0 ? preferences[c] / total : catalog.popularity(c);
        }
        double priceSensitivity = Math.exp(0.5 * random.nextGaussian());
        double purchaseLogit = MEDIAN_PURCHASE_LOGIT + 0.9 * random.nextGaussian();
        return new Traits(preferences, priceSensitivity, purchaseLogit);
    }

    /** How often the shopper starts sessions, relative to others; log-normal, clipped. */
    double activity(long index) {
        double z = DerivedRandom.of(seed, DerivedRandom.USER_ACTIVITY, index).nextGaussian();
        return Math.min(MAX_ACTIVITY, Math.exp(0.7 * z));
    }

    /** Whether this shopper is among the given fraction that a preference shift moves. */
    boolean isShifted(long index, double fraction) {
        return DerivedRandom.uniform(seed, DerivedRandom.PREFERENCE_SHIFT, index) < fraction;
    }

    /** The preferences a preference shift gives: rotated half-way round, so favourites become rare. */
    static double[] shifted(double[] preferences) {
        int n = preferences.length;
        double[] rotated = new double[n];
        for (int c = 0; c < n; c++) {
            rotated[c] = preferences[(c + n / 2) % n];
        }
        return rotated;
    }

    static int drawCategory(double[] weights, RandomGenerator random) {
        double u = random.nextDouble();
        double cumulative = 0;
        for (int c = 0; c < weights.length; c++) {
            cumulative += weights[c];
            if (u < cumulative) {
                return c;
            }
        }
        return weights.length - 1;
    }

    // Marsaglia-Tsang; shape < 1 via the boost Gamma(a) = Gamma(a + 1) * U^(1/a).
    private static double gamma(double shape, RandomGenerator random) {
        if (shape < 1) {
            return gamma(shape + 1, random) * Math.pow(random.nextDouble(), 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = random.nextGaussian();
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = random.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }
}
