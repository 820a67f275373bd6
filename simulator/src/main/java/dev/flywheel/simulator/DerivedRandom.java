package dev.flywheel.simulator;

import java.util.SplittableRandom;

/**
 * Independent random streams named by (seed, purpose, id). A shopper's traits or a session's story
 * depend only on their own name, never on how many draws came before, so they can be derived lazily
 * and in any order and still be the same in every run.
 */
final class DerivedRandom {
    static final long USER_TRAITS = 1;
    static final long USER_ACTIVITY = 2;
    static final long ITEM = 3;
    static final long SESSION = 4;
    static final long PURCHASE = 5;
    static final long ARRIVALS = 6;
    static final long BOT_ARRIVALS = 7;
    static final long MALFORMED = 8;
    static final long CATEGORY = 9;
    static final long PREFERENCE_SHIFT = 10;
    static final long RETURNS = 11;
    static final long BRAND = 12;
    static final long ITEM_TEXT = 13;
    static final long SEARCH_QUERY = 14;
    static final long SEARCH_CLICKS = 15;
    static final long BRAND_AFFINITY = 16;

    private DerivedRandom() {
    }

    static SplittableRandom of(long seed, long purpose, long id) {
        return new SplittableRandom(mix(seed, purpose, id));
    }

    /** A uniform double in [0, 1) from one hash, for per-entity draws too cheap to deserve a generator. */
    static double uniform(long seed, long purpose, long id) {
        return (mix(seed, purpose, id) >>> 11) * 0x1.0p-53;
    }

    // SplitMix64's finaliser over a combination of the three: consecutive ids land far apart.
    private static long mix(long seed, long purpose, long id) {
        long z = seed * 0x9E3779B97F4A7C15L + purpose * 0xC2B2AE3D27D4EB4FL + id * 0x165667B19E3779F9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
