package dev.flywheel.registry.release;

/**
 * When the release controller moves a canary. The monitor's comparison gives a verdict only when a
 * difference is beyond chance; a challenger that is merely as good never gets one. So besides
 * acting on verdicts, the controller promotes a challenger shown to be no worse than the champion
 * by more than {@code margin} (a non-inferiority test on the same figures) once each arm has
 * {@code minLabelled} outcomes.
 *
 * @param margin      how much higher (worse) a challenger's mean log loss may be and still count as
 *                    "at least as good"
 * @param z           one-sided normal quantile of the non-inferiority test (2.326: 1%)
 * @param minLabelled outcomes each arm needs before non-inferiority is considered
 */
public record ReleasePolicy(double margin, double z, long minLabelled) {

    public ReleasePolicy {
        if (!(margin >= 0) || !(z > 0) || minLabelled < 1) {
            throw new IllegalArgumentException("margin >= 0, z > 0 and minLabelled >= 1, got " + margin + ", " + z
                    + ", " + minLabelled);
        }
    }

    /** A log loss margin of 0.002 (about 0.5% of a typical 0.45), 1% one-sided, 2,000 outcomes per arm. */
    public static ReleasePolicy defaults() {
        return new ReleasePolicy(0.002, 2.326, 2_000);
    }
}
