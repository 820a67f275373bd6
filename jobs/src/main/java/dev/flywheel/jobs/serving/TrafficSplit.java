package dev.flywheel.jobs.serving;

/**
 * Sticky assignment of users to variants: a user's bucket in [0, 1) depends only on the model name
 * and the user id, so a user keeps their variant across events, subtasks, restarts and
 * rescaling, and a challenger at share s serves exactly the users with bucket below s. Raising the
 * share adds users without moving any back; a promotion keeps the challenger's users on the same
 * version.
 *
 * <p>The hash is FNV-1a (64 bit) over the UTF-16 code units of {@code salt + ':' + model + ':' +
 * user}, finished with the splitmix64 mixer, top 53 bits as a fraction: written out so another
 * team can reproduce an assignment offline. The salt keeps the shadow's sample independent of the
 * challenger's.
 */
public final class TrafficSplit {
    private static final String CHALLENGER_SALT = "split";
    private static final String SHADOW_SALT = "shadow";

    private TrafficSplit() {
    }

    /** The user's bucket for the champion / challenger split. */
    public static double bucket(String model, String userId) {
        return fraction(CHALLENGER_SALT, model, userId);
    }

    /** The user's bucket for the shadow sample. */
    public static double shadowBucket(String model, String userId) {
        return fraction(SHADOW_SALT, model, userId);
    }

    static double fraction(String salt, String model, String userId) {
        long hash = 0xcbf29ce484222325L;
        hash = fnv(hash, salt);
        hash = fnv(hash, ":");
        hash = fnv(hash, model);
        hash = fnv(hash, ":");
        hash = fnv(hash, userId);
        return (mix(hash) >>> 11) * 0x1.0p-53;
    }

    private static long fnv(long hash, String text) {
        for (int i = 0; i < text.length(); i++) {
            hash ^= text.charAt(i);
            hash *= 0x100000001b3L;
        }
        return hash;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
