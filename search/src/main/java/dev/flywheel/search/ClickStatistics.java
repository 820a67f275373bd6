package dev.flywheel.search;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What clicks on served result lists have taught so far, kept as counts: the ranker's live
 * features. Fed from the stream of search events and the clicks that refer to them (in the offline
 * rounds, straight from the simulated shoppers); read at serving time, never recomputed there.
 *
 * <p>Exposure is counted in expected looks: an item shown at a position the shopper looks at with
 * probability p adds p, so click rates are corrected for position the same way the ranker's
 * training pairs are.
 *
 * <ul>
 *   <li>query word x listing word: clicks and exposure, the click-learned vocabulary ("couch" finds
 *       listings that say "sofa", "headphnoes" finds "headphones");</li>
 *   <li>per item: clicks, purchases and exposure;</li>
 *   <li>per shopper: clicks per category and per brand, and the prices clicked.</li>
 * </ul>
 *
 * <p>Not thread-safe for concurrent writers: one writer (the consumer of the stream), and readers
 * that tolerate a count being one click behind.
 */
public final class ClickStatistics {
    /** Prior strength, in expected looks, pulling sparse click rates toward the overall rate. */
    static final double PRIOR_LOOKS = 5;

    private final Map<String, double[]> wordPairs;
    private final Map<Integer, double[]> items;
    private final Map<String, UserProfile> users;
    private double totalClicks;
    private double totalExposure;

    /** A shopper as their clicks describe them. */
    static final class UserProfile {
        final Map<String, Integer> categoryClicks = new HashMap<>();
        final Map<String, Integer> brandClicks = new HashMap<>();
        int clicks;
        double clickedPriceSum;

        UserProfile copy() {
            UserProfile copy = new UserProfile();
            copy.categoryClicks.putAll(categoryClicks);
            copy.brandClicks.putAll(brandClicks);
            copy.clicks = clicks;
            copy.clickedPriceSum = clickedPriceSum;
            return copy;
        }
    }

    public ClickStatistics() {
        this(new HashMap<>(), new HashMap<>(), new HashMap<>(), 0, 0);
    }

    private ClickStatistics(Map<String, double[]> wordPairs, Map<Integer, double[]> items,
                            Map<String, UserProfile> users, double totalClicks, double totalExposure) {
        this.wordPairs = wordPairs;
        this.items = items;
        this.users = users;
        this.totalClicks = totalClicks;
        this.totalExposure = totalExposure;
    }

    /** A copy that later clicks do not change: what a frozen ranker keeps seeing. */
    public ClickStatistics snapshot() {
        Map<String, double[]> pairs = new HashMap<>();
        wordPairs.forEach((k, v) -> pairs.put(k, v.clone()));
        Map<Integer, double[]> itemCopy = new HashMap<>();
        items.forEach((k, v) -> itemCopy.put(k, v.clone()));
        Map<String, UserProfile> userCopy = new HashMap<>();
        users.forEach((k, v) -> userCopy.put(k, v.copy()));
        return new ClickStatistics(pairs, itemCopy, userCopy, totalClicks, totalExposure);
    }

    /**
     * One served list and what the shopper did with it.
     *
     * @param shown        listing positions (ords) in the order served
     * @param propensities probability that each position was looked at
     * @param clicked      clicks, per position
     * @param purchased    purchases, per position
     */
    public void record(CatalogIndex index, List<String> queryTerms, String userId, int[] shown, double[] propensities,
                       boolean[] clicked, boolean[] purchased) {
        for (int r = 0; r < shown.length; r++) {
            int ord = shown[r];
            double look = propensities[r];
            double click = clicked[r] ? 1 : 0;
            for (String q : queryTerms) {
                for (String w : index.listingTerms(ord)) {
                    double[] counts = wordPairs.computeIfAbsent(q + ' ' + w, key -> new double[2]);
                    counts[0] += click;
                    counts[1] += look;
                }
            }
            double[] item = items.computeIfAbsent(ord, key -> new double[3]);
            item[0] += click;
            item[1] += purchased[r] ? 1 : 0;
            item[2] += look;
            totalClicks += click;
            totalExposure += look;
            if (clicked[r]) {
                CatalogIndex.Listing listing = index.listing(ord);
                UserProfile user = users.computeIfAbsent(userId, key -> new UserProfile());
                user.clicks++;
                user.clickedPriceSum += listing.price();
                user.categoryClicks.merge(listing.category(), 1, Integer::sum);
                user.brandClicks.merge(listing.brand(), 1, Integer::sum);
            }
        }
    }

    double overallClickRate() {
        return totalExposure == 0 ? 0.1 : (totalClicks + 1) / (totalExposure + 10);
    }

    /**
     * How much more than usual listings with word {@code w} are clicked for queries with word
     * {@code q}, as a log ratio; 0 when nothing is known.
     */
    double wordLift(String q, String w, double overall) {
        double[] counts = wordPairs.get(q + ' ' + w);
        if (counts == null) {
            return 0;
        }
        return Math.log((counts[0] + PRIOR_LOOKS * overall) / (counts[1] + PRIOR_LOOKS) / overall);
    }

    /** The item's click rate per expected look against the overall one, as a log ratio; 0 when unseen. */
    double itemClickLift(int ord, double overall) {
        double[] item = items.get(ord);
        return item == null ? 0 : Math.log((item[0] + PRIOR_LOOKS * overall) / (item[2] + PRIOR_LOOKS) / overall);
    }

    double itemConversion(int ord) {
        double[] item = items.get(ord);
        return item == null ? 0.05 : (item[1] + 0.5) / (item[0] + 10);
    }

    UserProfile user(String userId) {
        return users.get(userId);
    }
}
