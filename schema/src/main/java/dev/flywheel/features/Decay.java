package dev.flywheel.features;

/**
 * Exponential decay shared by every decayed feature: a value observed {@code ageMillis} ago weighs
 * {@code 2^(-age / halfLife)}. A decayed counter is then one double and the time it was last brought
 * up to date: O(1) state, no windows.
 *
 * <p>{@link StrictMath} rather than {@link Math}: {@code Math.exp} may be an intrinsic whose last bit
 * differs between the interpreter and compiled code, and online and offline must agree bit for bit.
 */
final class Decay {
    private static final double LN2 = StrictMath.log(2);

    private Decay() {
    }

    static double factor(long ageMillis, long halfLifeMillis) {
        return ageMillis == 0 ? 1.0 : StrictMath.exp(-LN2 * ageMillis / halfLifeMillis);
    }
}
