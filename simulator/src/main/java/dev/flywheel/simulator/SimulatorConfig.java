package dev.flywheel.simulator;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything that determines a simulated stream: the same configuration gives the same events, byte
 * for byte, including ids.
 *
 * @param seed               root of every random draw
 * @param users              size of the shopper population; traits are derived on demand, so a large
 *                           population costs memory only for shoppers with a session in flight
 * @param items              catalogue size, spread evenly over the categories
 * @param categories         number of categories (the first 20 have real names and query words)
 * @param startEpochMs       simulated time of the first session arrival
 * @param sessionsPerSecond  shopper session arrivals per simulated second (a Poisson process)
 * @param drift              scripted changes to the shop, with times relative to {@code startEpochMs}
 */
public record SimulatorConfig(long seed, int users, int items, int categories, long startEpochMs,
                              double sessionsPerSecond, List<DriftScenario> drift) {

    /** A fixed instant, so that runs with default settings are reproducible. */
    public static final long DEFAULT_START_EPOCH_MS = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

    public SimulatorConfig {
        if (users < 1) {
            throw new IllegalArgumentException("users must be at least 1, got " + users);
        }
        if (categories < 1) {
            throw new IllegalArgumentException("categories must be at least 1, got " + categories);
        }
        if (items < categories) {
            throw new IllegalArgumentException(
                    "items (" + items + ") must be at least the number of categories (" + categories + ")");
        }
        if (!(sessionsPerSecond > 0) || Double.isInfinite(sessionsPerSecond)) {
            throw new IllegalArgumentException("sessionsPerSecond must be positive, got " + sessionsPerSecond);
        }
        drift = List.copyOf(Objects.requireNonNull(drift, "drift"));
    }

    /** 100,000 shoppers, 10,000 items in 20 categories, 2 sessions per simulated second, no drift. */
    public static SimulatorConfig defaults(long seed) {
        return new SimulatorConfig(seed, 100_000, 10_000, 20, DEFAULT_START_EPOCH_MS, 2.0, List.of());
    }

    public SimulatorConfig withUsers(int newUsers) {
        return new SimulatorConfig(seed, newUsers, items, categories, startEpochMs, sessionsPerSecond, drift);
    }

    public SimulatorConfig withItems(int newItems) {
        return new SimulatorConfig(seed, users, newItems, categories, startEpochMs, sessionsPerSecond, drift);
    }

    public SimulatorConfig withCategories(int newCategories) {
        return new SimulatorConfig(seed, users, items, newCategories, startEpochMs, sessionsPerSecond, drift);
    }

    public SimulatorConfig withStartEpochMs(long newStart) {
        return new SimulatorConfig(seed, users, items, categories, newStart, sessionsPerSecond, drift);
    }

    public SimulatorConfig withSessionsPerSecond(double newRate) {
        return new SimulatorConfig(seed, users, items, categories, startEpochMs, newRate, drift);
    }

    public SimulatorConfig withDrift(List<DriftScenario> newDrift) {
        return new SimulatorConfig(seed, users, items, categories, startEpochMs, sessionsPerSecond, newDrift);
    }
}
