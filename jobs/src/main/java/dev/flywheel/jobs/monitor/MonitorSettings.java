package dev.flywheel.jobs.monitor;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;

/**
 * What the monitor's functions need to know, validated by {@link MonitorConfig}.
 *
 * @param window               length of a tumbling event-time window, aligned to the epoch
 * @param allowedLateness      how long past a window's end (event time) its records are still taken
 * @param attribution          the scoring job's attribution window: outcomes come this much later
 * @param driftFalseAlarmRate  chance that a stationary window is flagged drifted; the score test
 *                             gets half, the feature tests share the other half (Bonferroni)
 * @param minDecisions         fewer decisions than this in a window are not tested for drift
 * @param sustainedWindows     consecutive flagged windows that make a trigger
 * @param qualityAlpha         significance level of "live AUC below the reference"
 * @param aucTolerance         how far below the holdout AUC live AUC may fall before it counts
 * @param calibrationTolerance how far the purchase rate may stray from the mean score before it counts
 * @param minLabelled          fewer outcomes than this in a window are not tested for quality
 * @param verdictAlpha         significance level of the champion-challenger verdict
 * @param verdictMinLabelled   outcomes each arm needs before a verdict
 * @param cooldown             after a retrain request, no other for this long (event time)
 * @param retrainEvery         ask for a retrain when none was asked for this long; zero: never
 * @param trainingSpan         a request's training window: this much event time, ending at the
 *                             triggering window's end
 * @param postDriftSpan        zero: a drift request is sent when the drift is found, with
 *                             {@code trainingSpan}; otherwise it waits until this much event time
 *                             has passed since the first drifted window of the streak, and its
 *                             training window is exactly that: the world after the change
 * @param retrainModels        the models whose triggers send requests; empty: every watched model
 *                             (a frozen baseline is watched and reported, never retrained)
 */
public record MonitorSettings(Duration window, Duration allowedLateness, Duration attribution,
        double driftFalseAlarmRate, long minDecisions, int sustainedWindows, double qualityAlpha, double aucTolerance,
        double calibrationTolerance, long minLabelled, double verdictAlpha, long verdictMinLabelled, Duration cooldown,
        Duration retrainEvery, Duration trainingSpan, Duration postDriftSpan, List<String> retrainModels)
        implements Serializable {

    public MonitorSettings {
        retrainModels = List.copyOf(retrainModels);
    }

    public boolean retrains(String model) {
        return retrainModels.isEmpty() || retrainModels.contains(model);
    }

    public long windowMs() {
        return window.toMillis();
    }

    public long windowStart(long eventTime) {
        return Math.floorDiv(eventTime, windowMs()) * windowMs();
    }

    /** When a window's decisions are complete: its end plus the allowed lateness. */
    public long driftCloses(long windowStart) {
        return windowStart + windowMs() + allowedLateness.toMillis();
    }

    /** When a window's outcomes are complete: an attribution window later. */
    public long qualityCloses(long windowStart) {
        return driftCloses(windowStart) + attribution.toMillis();
    }

    public MonitorSettings withPostDriftSpan(Duration span) {
        return new MonitorSettings(window, allowedLateness, attribution, driftFalseAlarmRate, minDecisions,
                sustainedWindows, qualityAlpha, aucTolerance, calibrationTolerance, minLabelled, verdictAlpha,
                verdictMinLabelled, cooldown, retrainEvery, trainingSpan, span, retrainModels);
    }

    public MonitorSettings withRetrainModels(List<String> models) {
        return new MonitorSettings(window, allowedLateness, attribution, driftFalseAlarmRate, minDecisions,
                sustainedWindows, qualityAlpha, aucTolerance, calibrationTolerance, minLabelled, verdictAlpha,
                verdictMinLabelled, cooldown, retrainEvery, trainingSpan, postDriftSpan, models);
    }

    /** Defaults for tests and the local stack, with a window of the given length. */
    public static MonitorSettings defaults(Duration window) {
        return new MonitorSettings(window, Duration.ofMinutes(1), Duration.ofMinutes(30), 0.01, 200, 2, 0.01, 0.02, 0.02,
                200, 0.01, 1_000, Duration.ofHours(6), Duration.ZERO, Duration.ofHours(6), Duration.ZERO, List.of());
    }
}
