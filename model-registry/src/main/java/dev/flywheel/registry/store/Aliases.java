package dev.flywheel.registry.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which versions of one model serve, and how traffic is split. Version 0 means "no version".
 *
 * @param champion        serves {@code 1 - challengerShare} of decisions
 * @param challenger      serves {@code challengerShare} of decisions (0 when there is none)
 * @param shadow          scores {@code shadowShare} of requests without serving them
 * @param championHistory previous champions, most recent last: what rollback returns to
 * @param revision        bumps with every change; becomes the serving config revision
 * @param updatedAt       epoch millis of that change
 */
public record Aliases(int champion, int challenger, int shadow, double challengerShare, double shadowShare,
                      List<Integer> championHistory, long revision, long updatedAt) {
    /** Longest rollback history kept; older champions drop off. */
    public static final int HISTORY_LIMIT = 20;
    public static final Aliases NONE = new Aliases(0, 0, 0, 0, 0, List.of(), 0, 0);

    public Aliases {
        if (champion < 0 || challenger < 0 || shadow < 0) {
            throw new IllegalArgumentException("alias versions must be >= 0");
        }
        requireShare(challengerShare, "challenger_share");
        requireShare(shadowShare, "shadow_share");
        if (challenger == 0 && challengerShare > 0) {
            throw new IllegalArgumentException("challenger_share is " + challengerShare + " but there is no challenger");
        }
        if (challenger != 0 && champion == 0) {
            throw new IllegalArgumentException("a challenger needs a champion to compete with");
        }
        if (shadow == 0 && shadowShare > 0) {
            throw new IllegalArgumentException("shadow_share is " + shadowShare + " but there is no shadow");
        }
        championHistory = List.copyOf(Objects.requireNonNullElse(championHistory, List.of()));
    }

    public boolean holds(int version) {
        return version != 0 && (champion == version || challenger == version || shadow == version);
    }

    /** A new champion; the old one (if any) goes on the rollback history. */
    public Aliases withChampion(int newChampion) {
        boolean challengerPromoted = challenger == newChampion;
        return new Aliases(newChampion, challengerPromoted ? 0 : challenger, shadow,
                challengerPromoted ? 0 : challengerShare, shadowShare, historyAfterReplacing(newChampion), revision, updatedAt);
    }

    /** The rollback history once {@code newChampion} replaces the current champion. */
    public List<Integer> historyAfterReplacing(int newChampion) {
        List<Integer> history = new ArrayList<>(championHistory);
        if (champion != 0 && champion != newChampion) {
            history.add(champion);
        }
        while (history.size() > HISTORY_LIMIT) {
            history.remove(0);
        }
        return history;
    }

    public Aliases withRevision(long newRevision, long at) {
        return new Aliases(champion, challenger, shadow, challengerShare, shadowShare, championHistory, newRevision, at);
    }

    private static void requireShare(double share, String field) {
        if (!(share >= 0 && share <= 1)) {
            throw new IllegalArgumentException(field + " must be in [0, 1], was " + share);
        }
    }
}
