package dev.flywheel.search;

import dev.flywheel.features.SearchRankingFeatures;
import dev.flywheel.search.HybridRetriever.Candidate;
import java.util.List;

/**
 * The search ranker's inputs for one (query, item, shopper), in a fixed order that the exported
 * model's metadata names. Retrieval's own scores, the words query and listing share, what clicks
 * have taught about the query's words, the item's popularity and conversion, and the shopper's
 * category and brand affinity and usual spend. A shopper nobody has seen gets neutral values
 * (the defaults the issue asks unknown users to be served with).
 */
public final class RankingFeatures {
    /** {@link SearchRankingFeatures#NAMES}: the registry knows them from the schema module. */
    public static final List<String> NAMES = SearchRankingFeatures.NAMES;

    private RankingFeatures() {
    }

    public static float[] of(CatalogIndex index, ClickStatistics stats, List<String> queryTerms, String userId,
                             Candidate c) {
        float[] row = new float[NAMES.size()];
        row[0] = c.bm25Scaled();
        row[1] = c.cosine();
        row[2] = c.bm25Rank() == 0 ? 0 : 1f / c.bm25Rank();
        row[3] = c.vectorRank() == 0 ? 0 : 1f / c.vectorRank();
        String[] itemTerms = index.listingTerms(c.ord());
        int covered = 0;
        double lift = 0;
        double overall = stats.overallClickRate();
        for (String q : queryTerms) {
            double best = Double.NEGATIVE_INFINITY;
            boolean found = false;
            for (String w : itemTerms) {
                found |= w.equals(q);
                best = Math.max(best, stats.wordLift(q, w, overall));
            }
            covered += found ? 1 : 0;
            lift += itemTerms.length == 0 ? 0 : best;
        }
        row[4] = queryTerms.isEmpty() ? 0 : (float) covered / queryTerms.size();
        row[5] = queryTerms.isEmpty() ? 0 : (float) (lift / queryTerms.size());
        row[6] = (float) stats.itemClickLift(c.ord(), overall);
        row[7] = (float) stats.itemConversion(c.ord());
        ClickStatistics.UserProfile user = stats.user(userId);
        CatalogIndex.Listing listing = index.listing(c.ord());
        if (user != null && user.clicks > 0) {
            row[8] = (float) user.categoryClicks.getOrDefault(listing.category(), 0) / (user.clicks + 1);
            row[9] = (float) user.brandClicks.getOrDefault(listing.brand(), 0) / (user.clicks + 1);
            row[10] = (float) Math.log(listing.price() / (user.clickedPriceSum / user.clicks));
        }
        return row;
    }
}
