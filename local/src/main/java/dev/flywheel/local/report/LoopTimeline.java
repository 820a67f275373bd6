package dev.flywheel.local.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * What a run of the loop did, in shop time: the live AUC of each series per window (the model the
 * loop serves, and the frozen model that never retrains, scored on the same events) and the
 * moments that matter (drift injected and detected, retrains requested, versions registered,
 * promoted, rolled back). Filled while the run goes; thread-safe; read by {@link LoopReport}.
 */
public final class LoopTimeline {

    /** The live AUC of one series over one window of labelled outcomes ending at {@code at}. */
    public record QualityPoint(String series, long at, double auc, long labelled) {
    }

    /** Something that happened at {@code at}. */
    public record Milestone(long at, Kind kind, String label) {
    }

    public enum Kind {
        DRIFT_INJECTED("drift injected"),
        DRIFT_DETECTED("drift detected"),
        RETRAIN_REQUESTED("retrain requested"),
        REGISTERED("registered"),
        PROMOTED("promoted"),
        ROLLED_BACK("rolled back");

        private final String words;

        Kind(String words) {
            this.words = words;
        }

        public String words() {
            return words;
        }
    }

    private final long origin;
    private final List<QualityPoint> points = new ArrayList<>();
    private final List<Milestone> milestones = new ArrayList<>();

    /** @param origin the shop time the charts count hours from (the start of live traffic) */
    public LoopTimeline(long origin) {
        this.origin = origin;
    }

    public long origin() {
        return origin;
    }

    public synchronized void quality(String series, long at, double auc, long labelled) {
        points.add(new QualityPoint(series, at, auc, labelled));
    }

    public synchronized void milestone(long at, Kind kind, String label) {
        milestones.add(new Milestone(at, kind, label));
    }

    public synchronized List<QualityPoint> points() {
        return Collections.unmodifiableList(new ArrayList<>(points));
    }

    public synchronized List<Milestone> milestones() {
        return Collections.unmodifiableList(new ArrayList<>(milestones));
    }

    /** When the first milestone of this kind happened. */
    public synchronized OptionalLong first(Kind kind) {
        return milestones.stream().filter(m -> m.kind() == kind).mapToLong(Milestone::at).min();
    }

    /** When the first milestone of this kind at or after {@code from} happened. */
    public synchronized OptionalLong firstAfter(Kind kind, long from) {
        return milestones.stream().filter(m -> m.kind() == kind && m.at() >= from).mapToLong(Milestone::at).min();
    }

    /** The mean AUC of a series over its windows ending in [from, to), weighted by labelled outcomes. */
    public synchronized OptionalDouble meanAuc(String series, long from, long to) {
        double weighted = 0;
        long labelled = 0;
        for (QualityPoint point : points) {
            if (point.series().equals(series) && point.at() >= from && point.at() < to) {
                weighted += point.auc() * point.labelled();
                labelled += point.labelled();
            }
        }
        return labelled == 0 ? OptionalDouble.empty() : OptionalDouble.of(weighted / labelled);
    }

    /**
     * The lowest hourly AUC of a series in [from, to): windows are pooled by the hour of shop time
     * they end in (weighted by labelled outcomes), since one window's AUC over a few hundred
     * outcomes moves by several hundredths by chance alone.
     */
    public synchronized OptionalDouble lowestAuc(String series, long from, long to) {
        return hourly(series).stream().filter(p -> p.at() >= from && p.at() < to).mapToDouble(QualityPoint::auc).min();
    }

    /** A series pooled by the hour of shop time its windows end in, each point at its hour's end. */
    public synchronized List<QualityPoint> hourly(String series) {
        java.util.TreeMap<Long, double[]> hours = new java.util.TreeMap<>();
        for (QualityPoint point : points) {
            if (point.series().equals(series) && point.labelled() > 0) {
                long hour = Math.floorDiv(point.at() - 1 - origin, HOUR);
                double[] sums = hours.computeIfAbsent(hour, h -> new double[2]);
                sums[0] += point.auc() * point.labelled();
                sums[1] += point.labelled();
            }
        }
        List<QualityPoint> pooled = new ArrayList<>();
        hours.forEach((hour, sums) -> pooled.add(new QualityPoint(series, origin + (hour + 1) * HOUR, sums[0] / sums[1],
                (long) sums[1])));
        return pooled;
    }

    private static final long HOUR = 3_600_000L;
}
