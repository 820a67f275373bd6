package dev.flywheel.jobs.monitor;

import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * One user group's share of one version's window, sent on when the window closes: its decisions'
 * counts per item group and reference bin (at the drift phase), or its outcomes (at the quality
 * phase). The model stage adds a version's groups up and reads the spread between them.
 *
 * @param quality    false: decisions, at the window's end; true: outcomes, an attribution window later
 * @param count      decisions (each id once) or outcomes
 * @param roleCounts per role ({@link Observation#CHAMPION}, ...): how many of them
 * @param width      counters per item group ({@link VersionReference#width()}); 0 when the
 *                   version's reference was not known and nothing was binned
 * @param sha256     the reference's version checksum the counts were binned with, empty if none
 * @param counters   {@code [itemGroup * width + counter]}
 * @param scores     outcomes: the scores
 * @param labels     outcomes: purchased or not
 * @param roles      outcomes: the role of the decision each labels
 */
public record WindowPartial(String model, int version, int userGroup, long windowStart, boolean quality, long count,
        long[] roleCounts, int width, String sha256, int[] counters, double[] scores, boolean[] labels, byte[] roles) {

    public static final TypeInformation<WindowPartial> TYPE = TypeInformation.of(WindowPartial.class);
    static final int ROLES = 4;
}
