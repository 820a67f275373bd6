package dev.flywheel.features;

/** The unit of a feature value. Every value travels as a {@code double}; the type says how to read it. */
public enum FeatureType {
    /** A whole number of events (exact while it is not decayed). */
    COUNT,
    /** An exponentially decayed count: a non-negative real. */
    DECAYED_COUNT,
    /** An amount of money in the shop's currency. */
    MONEY,
    /** Seconds of event time. */
    SECONDS,
    /** A share or a rate in [0, 1]. */
    RATIO,
    /** A non-negative real score without unit. */
    SCORE,
    /** 1 when something holds for the event, else 0. */
    FLAG,
    /** The natural logarithm of an amount of money. */
    LOG_MONEY,
    /** A difference of two logarithms of money, so the log of a price ratio: 0 is equal, -0.69 is half. */
    LOG_RATIO
}
