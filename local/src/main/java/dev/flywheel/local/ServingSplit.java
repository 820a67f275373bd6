package dev.flywheel.local;

import dev.flywheel.local.JobMetrics.Aggregate;
import java.util.List;
import java.util.Map;

/**
 * What the scoring job serves, as its own gauges report it ({@code champion_version},
 * {@code challenger_version}, {@code challenger_traffic_ratio} of the model's metric group, per subtask):
 * {@code v1 80% / v2 20%}. These are the versions the job has loaded and serves, not what the
 * registry was asked for, so a version the job refused never shows. Subtasks take a change one by
 * one; while they disagree the text says so.
 */
final class ServingSplit {
    static final String CHAMPION = "champion_version";
    static final String CHALLENGER = "challenger_version";
    static final String SHARE = "challenger_traffic_ratio";
    static final List<String> GAUGES = List.of(CHAMPION, CHALLENGER, SHARE);

    private ServingSplit() {
    }

    static String describe(Map<String, Aggregate> metrics) {
        Aggregate champion = metrics.get(CHAMPION);
        Aggregate challenger = metrics.get(CHALLENGER);
        Aggregate share = metrics.get(SHARE);
        if (champion == null || challenger == null || share == null || champion.max() == 0) {
            return "no model loaded";
        }
        if (champion.min() == 0) {
            return "loading v" + (int) champion.max();
        }
        if (!champion.agreed() || !challenger.agreed() || !share.agreed()) {
            return "changing: subtasks on " + versions(champion) + (challenger.max() > 0
                    ? " with challenger " + versions(challenger) : "");
        }
        int championVersion = (int) champion.max();
        int challengerVersion = (int) challenger.max();
        if (challengerVersion == 0 || share.max() == 0) {
            return "v" + championVersion + " 100%";
        }
        return "v" + championVersion + " " + percent(1 - share.max()) + " / v" + challengerVersion + " "
                + percent(share.max());
    }

    private static String versions(Aggregate version) {
        return version.agreed() ? "v" + (int) version.max()
                : (version.min() == 0 ? "none" : "v" + (int) version.min()) + " and v" + (int) version.max();
    }

    static String percent(double share) {
        double percent = Math.round(share * 1000) / 10.0;
        return percent == Math.rint(percent) ? String.format("%.0f%%", percent) : String.format("%.1f%%", percent);
    }
}
