package dev.flywheel.features;

import java.util.List;

/**
 * The search ranker's inputs, in the order its models read them. The search service computes them
 * per (query, item, shopper) at serving time ({@code dev.flywheel.search.RankingFeatures}); they live
 * here so that the model registry, which refuses a model whose inputs nobody can supply, knows them
 * beside the propensity model's {@link FeatureSpec}.
 */
public final class SearchRankingFeatures {
    /** The registry's model name of the search ranker. */
    public static final String MODEL = "search-ranker";

    public static final List<String> NAMES = List.of(
            "search_bm25_scaled", "search_cosine", "search_bm25_reciprocal_rank", "search_vector_reciprocal_rank",
            "search_term_coverage", "search_click_word_lift", "search_item_click_lift", "search_item_conversion",
            "search_user_category_affinity", "search_user_brand_affinity", "search_price_vs_usual_spend");

    private SearchRankingFeatures() {
    }

    /** Whether some model input of this name can be supplied: by the feature spec or by the search service. */
    public static boolean known(String name) {
        return FeatureSpec.current().has(name) || NAMES.contains(name);
    }
}
