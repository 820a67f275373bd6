package dev.flywheel.trainer.worker;

/**
 * What became of a retrain request that did not fail. Each of these is acknowledged: a failure is
 * an exception instead, and is retried.
 *
 * @param version the version registered, or the one registered earlier for the same key; 0 if none
 * @param detail  a sentence for the log: the gate's reason, where the version went
 */
public record RetrainOutcome(Kind kind, int version, String detail) {

    public enum Kind {
        /** A new version registered and made challenger (or champion, for a model that had none). */
        TRAINED,
        /** Trained and evaluated, and refused by the gate on purpose: not retried. */
        GATE_REFUSED,
        /** A version was already registered for this idempotency key: nothing trained. */
        DUPLICATE
    }

    public static RetrainOutcome trained(int version, String detail) {
        return new RetrainOutcome(Kind.TRAINED, version, detail);
    }

    public static RetrainOutcome gateRefused(String detail) {
        return new RetrainOutcome(Kind.GATE_REFUSED, 0, detail);
    }

    public static RetrainOutcome duplicate(int version, String detail) {
        return new RetrainOutcome(Kind.DUPLICATE, version, detail);
    }
}
