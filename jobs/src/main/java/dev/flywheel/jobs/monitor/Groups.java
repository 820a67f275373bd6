package dev.flywheel.jobs.monitor;

import java.nio.charset.StandardCharsets;

/**
 * The groups the monitor's variance estimates stand on. Events of one user are alike (one
 * session, one history), and so are events of one item (one popularity, one price): a window
 * holds fewer independent observations than events. Every event goes to one of
 * {@value #USER_GROUPS} user groups by a hash of its user, and one of {@value #ITEM_GROUPS} item
 * groups by a hash of its item (its user's, for events about no item). A user's events never
 * leave their group, so the groups are independent of each other, and the spread between them
 * measures the variance that clustering causes (random groups; Wolter, Introduction to Variance
 * Estimation, ch. 2). 32 groups give 31 degrees of freedom for each variance, at a cost of 32
 * small histograms per window.
 *
 * <p>The hash is FNV-1a 64 over a salted UTF-8 key with a splitmix64 finish: stable across JVMs
 * and releases (it decides which keyed state a user's events reach) and independent of the
 * traffic split's bucket, which uses another salt.
 */
public final class Groups {
    public static final int USER_GROUPS = 32;
    public static final int ITEM_GROUPS = 32;

    private Groups() {
    }

    public static int userGroup(String userId) {
        return (int) Long.remainderUnsigned(hash("monitor-user:", userId), USER_GROUPS);
    }

    /** The item's group; an event about no item counts as an item of its own user. */
    public static int itemGroup(String itemId, String userId) {
        return itemId == null
                ? (int) Long.remainderUnsigned(hash("monitor-user-item:", userId), ITEM_GROUPS)
                : (int) Long.remainderUnsigned(hash("monitor-item:", itemId), ITEM_GROUPS);
    }

    static long hash(String salt, String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : salt.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }
}
