package dev.flywheel.features;

import static dev.flywheel.features.FeatureFamily.AFFINITY;
import static dev.flywheel.features.FeatureFamily.EVENT;
import static dev.flywheel.features.FeatureFamily.FREQUENCY_MONETARY;
import static dev.flywheel.features.FeatureFamily.ITEM;
import static dev.flywheel.features.FeatureFamily.RECENCY;
import static dev.flywheel.features.FeatureFamily.SESSION;
import static dev.flywheel.features.FeatureType.COUNT;
import static dev.flywheel.features.FeatureType.DECAYED_COUNT;
import static dev.flywheel.features.FeatureType.FLAG;
import static dev.flywheel.features.FeatureType.LOG_MONEY;
import static dev.flywheel.features.FeatureType.LOG_RATIO;
import static dev.flywheel.features.FeatureType.MONEY;
import static dev.flywheel.features.FeatureType.RATIO;
import static dev.flywheel.features.FeatureType.SCORE;
import static dev.flywheel.features.FeatureType.SECONDS;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one definition of the feature vector: every feature's name, family, meaning, type and
 * default, in vector order, under a version. Models declare the names they read; the registry
 * refuses a model asking for a name {@link #has} denies; every vector carries {@link #version}.
 *
 * <p>Versions only append: version {@code n + 1} is version {@code n} with features added at the end,
 * and a name, once published, keeps its meaning and parameters for good (a changed meaning is a new
 * name). A model reads its inputs by name, so a model trained on an older version is served from a
 * newer one's vectors unchanged, and "every input name is in the spec" is the whole compatibility
 * check the registry and the scoring job need. Vectors carry their version, so training data of
 * different widths is never mixed.
 *
 * <p>All features of an event are computed after the event is applied to the state, except
 * recency, which measures the gap to the user's previous event of that kind. Events of one user
 * (and of one item) are applied in event-time order, ties broken by event id.
 */
public final class FeatureSpec {

    /** Half-lives of the decayed counters, shortest first; the suffixes name them. */
    public static final List<Duration> HALF_LIVES = List.of(Duration.ofHours(1), Duration.ofDays(1), Duration.ofDays(7));
    public static final List<String> HALF_LIFE_SUFFIXES = List.of("1h", "1d", "7d");
    /** A session ends after this much event-time inactivity. */
    public static final Duration SESSION_GAP = Duration.ofMinutes(30);
    /** Half-life of the category affinity scores. */
    public static final Duration AFFINITY_HALF_LIFE = Duration.ofDays(7);
    /** How many categories a user's affinity keeps by default (the weakest is evicted first). */
    public static final int DEFAULT_TOP_CATEGORIES = 16;

    /** Every published version, oldest first; each one's features start with the previous one's. */
    private static final List<FeatureSpec> VERSIONS = versions();
    private static final FeatureSpec CURRENT = VERSIONS.get(VERSIONS.size() - 1);

    private final int version;
    private final List<FeatureDefinition> features;
    private final List<String> names;
    private final Map<String, Integer> indexByName;

    private FeatureSpec(int version, List<FeatureDefinition> features) {
        this.version = version;
        this.features = List.copyOf(features);
        this.names = features.stream().map(FeatureDefinition::name).toList();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            if (index.put(names.get(i), i) != null) {
                throw new IllegalStateException("duplicate feature name " + names.get(i));
            }
        }
        this.indexByName = Map.copyOf(index);
    }

    public static FeatureSpec current() {
        return CURRENT;
    }

    /** A published version: its features are the first ones of every later version. */
    public static FeatureSpec version(int version) {
        if (version < 1 || version > VERSIONS.size()) {
            throw new IllegalArgumentException("feature spec versions are 1 to " + VERSIONS.size() + ", got " + version);
        }
        return VERSIONS.get(version - 1);
    }

    public int version() {
        return version;
    }

    /** The features in vector order. */
    public List<FeatureDefinition> features() {
        return features;
    }

    /** The feature names in vector order. */
    public List<String> names() {
        return names;
    }

    public int size() {
        return features.size();
    }

    public boolean has(String name) {
        return indexByName.containsKey(name);
    }

    /** The position of {@code name} in the vector, or -1 when the spec has no such feature. */
    public int indexOf(String name) {
        Integer index = indexByName.get(name);
        return index == null ? -1 : index;
    }

    /** A vector holding every feature's default. */
    public double[] defaults() {
        double[] values = new double[features.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = features.get(i).defaultValue();
        }
        return values;
    }

    /** The spec as the Markdown table of {@code docs/features.md} (a test keeps the two equal). */
    public String markdownTable() {
        StringBuilder table = new StringBuilder("| # | name | family | type | default | meaning |\n|---|---|---|---|---|---|\n");
        for (int i = 0; i < features.size(); i++) {
            FeatureDefinition feature = features.get(i);
            table.append("| ").append(i)
                    .append(" | `").append(feature.name()).append('`')
                    .append(" | ").append(feature.family().name().toLowerCase())
                    .append(" | ").append(feature.type().name().toLowerCase())
                    .append(" | ").append(formatDefault(feature.defaultValue()))
                    .append(" | ").append(feature.meaning())
                    .append(" |\n");
        }
        return table.toString();
    }

    private static String formatDefault(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    private static List<FeatureSpec> versions() {
        List<FeatureDefinition> first = versionOneDefinitions();
        List<FeatureDefinition> second = new ArrayList<>(first);
        second.addAll(versionTwoAdditions());
        return List.of(new FeatureSpec(1, first), new FeatureSpec(2, second));
    }

    private static List<FeatureDefinition> versionOneDefinitions() {
        List<FeatureDefinition> list = new ArrayList<>();
        list.add(new FeatureDefinition("secs_since_last_event", RECENCY,
                "Seconds from the user's previous event to this one; -1 for the user's first event.", SECONDS, -1));
        list.add(new FeatureDefinition("secs_since_last_cart", RECENCY,
                "Seconds from the user's previous add-to-cart to this event; -1 if there was none.", SECONDS, -1));
        list.add(new FeatureDefinition("secs_since_last_purchase", RECENCY,
                "Seconds from the user's previous purchase to this event; -1 if there was none.", SECONDS, -1));

        String[][] counters = {
            {"views", "views", "DECAYED_COUNT"},
            {"clicks", "clicks", "DECAYED_COUNT"},
            {"carts", "add-to-carts", "DECAYED_COUNT"},
            {"purchases", "purchase lines", "DECAYED_COUNT"},
            {"spend", "purchase value (price x quantity, lines without a price count 0)", "MONEY"},
            {"returns", "return lines", "DECAYED_COUNT"},
        };
        for (String[] counter : counters) {
            for (int h = 0; h < HALF_LIVES.size(); h++) {
                String suffix = HALF_LIFE_SUFFIXES.get(h);
                list.add(new FeatureDefinition("user_" + counter[0] + "_" + suffix, FREQUENCY_MONETARY,
                        "The user's " + counter[1] + ", each weighted 2^(-age / " + suffix + ").",
                        FeatureType.valueOf(counter[2]), 0));
            }
        }

        list.add(new FeatureDefinition("category_affinity", AFFINITY,
                "Share of the user's decayed category affinity (half-life 7d, top K categories, K=16 by default) "
                        + "held by this event's category; 0 for events without a category.", RATIO, 0));
        list.add(new FeatureDefinition("top_category_share", AFFINITY,
                "Share of the user's decayed category affinity held by their strongest category.", RATIO, 0));
        list.add(new FeatureDefinition("category_count", AFFINITY,
                "Number of categories in the user's affinity (at most K).", COUNT, 0));

        list.add(new FeatureDefinition("session_events", SESSION,
                "Events in the current session, this one included.", COUNT, 0));
        list.add(new FeatureDefinition("session_duration_secs", SESSION,
                "Seconds from the session's first event to this one.", SECONDS, 0));
        list.add(new FeatureDefinition("session_distinct_items", SESSION,
                "Distinct items the session's item events touched (saturates at 64).", COUNT, 0));
        list.add(new FeatureDefinition("session_searches", SESSION,
                "Searches in the current session.", COUNT, 0));
        list.add(new FeatureDefinition("session_carts", SESSION,
                "Add-to-carts minus remove-from-carts in the current session, never below 0.", COUNT, 0));
        list.add(new FeatureDefinition("session_cart_value", SESSION,
                "Value (price x quantity) added to the cart in the session minus value removed, never below 0.",
                MONEY, 0));
        list.add(new FeatureDefinition("session_intent_score", SESSION,
                "1 - exp(-x), x = 0.05 views + 0.1 clicks + 0.1 searches + 0.3 wishlist adds + 1.0 carts "
                        + "- 0.5 cart removals of the session (x below 0 counts as 0).", RATIO, 0));

        list.add(new FeatureDefinition("item_popularity_1h", ITEM,
                "Interactions with this item by all users (views, clicks, carts, wishlist adds, purchases), "
                        + "each weighted 2^(-age / 1h).", DECAYED_COUNT, 0));
        list.add(new FeatureDefinition("item_popularity_1d", ITEM,
                "The same with half-life 1d.", DECAYED_COUNT, 0));
        list.add(new FeatureDefinition("item_conversion_rate_7d", ITEM,
                "Decayed purchases / (decayed views + clicks + 1), half-life 7d, of this item by all users; "
                        + "above 1 when purchases outnumber looks (buyers coming from their cart).",
                SCORE, 0));
        list.add(new FeatureDefinition("item_price", ITEM,
                "This event's price, else the item's last known price; 0 when the item never had one.", MONEY, 0));
        list.add(new FeatureDefinition("item_price_vs_user_spend", ITEM,
                "item_price / the user's average purchased unit price (decayed 7d); 1 when either is unknown.",
                SCORE, 1));
        return list;
    }

    /**
     * What version 1 missed: the signals by which a session shows its purchase intent (how much a
     * shopper carts per item looked at, how specific their queries are, how cheap the items they
     * look at are), a returning user's own conversion history, and the event's type.
     */
    private static List<FeatureDefinition> versionTwoAdditions() {
        List<FeatureDefinition> list = new ArrayList<>();
        String[][] types = {
            {"view", "view"}, {"search", "search"}, {"click", "click"}, {"add_to_cart", "add-to-cart"},
            {"remove_from_cart", "remove-from-cart"}, {"add_to_wishlist", "wishlist add"}, {"purchase", "purchase line"},
            {"return", "return line"},
        };
        for (String[] type : types) {
            list.add(new FeatureDefinition("event_is_" + type[0], EVENT, "1 if this event is a " + type[1] + ", else 0.",
                    FLAG, 0));
        }
        list.add(new FeatureDefinition("query_words", EVENT,
                "Words (runs of non-whitespace) in this search's query; 0 for other events.", COUNT, 0));

        list.add(new FeatureDefinition("session_views", SESSION, "Views in the current session.", COUNT, 0));
        list.add(new FeatureDefinition("session_clicks", SESSION, "Clicks in the current session.", COUNT, 0));
        list.add(new FeatureDefinition("session_cart_adds", SESSION, "Add-to-carts in the current session.", COUNT, 0));
        list.add(new FeatureDefinition("session_cart_removes", SESSION, "Remove-from-carts in the current session.",
                COUNT, 0));
        list.add(new FeatureDefinition("session_wishlist_adds", SESSION, "Wishlist adds in the current session.",
                COUNT, 0));
        list.add(new FeatureDefinition("session_cart_add_rate", SESSION,
                "Add-to-carts per item looked at (views + clicks) in the current session; 0 before the first look.",
                SCORE, 0));
        list.add(new FeatureDefinition("session_query_words_mean", SESSION,
                "Mean words per query of the session's searches; 0 without a search.", SCORE, 0));
        list.add(new FeatureDefinition("session_query_words_max", SESSION,
                "Most words in one query of the session; 0 without a search.", COUNT, 0));
        list.add(new FeatureDefinition("session_priced_looks", SESSION,
                "Items looked at (views and clicks) with a price in the current session.", COUNT, 0));
        list.add(new FeatureDefinition("session_log_price_mean", SESSION,
                "Mean ln(price) of the items the session looked at (views and clicks with a price); 0 when none had one.",
                LOG_MONEY, 0));
        list.add(new FeatureDefinition("session_log_price_min", SESSION,
                "Lowest ln(price) among the items the session looked at; 0 when none had a price.", LOG_MONEY, 0));
        list.add(new FeatureDefinition("session_log_price_sd", SESSION,
                "Standard deviation of ln(price) over the items the session looked at; 0 below two prices.",
                LOG_RATIO, 0));
        list.add(new FeatureDefinition("session_view_vs_click_log_price", SESSION,
                "Mean ln(price) of the session's viewed items minus that of its clicked ones (clicks come from search "
                        + "results); 0 unless both have a price.", LOG_RATIO, 0));
        list.add(new FeatureDefinition("event_log_price_vs_session", SESSION,
                "ln(this event's price) minus session_log_price_mean; 0 when the event or the session has no price.",
                LOG_RATIO, 0));

        list.add(new FeatureDefinition("user_sessions_7d", FREQUENCY_MONETARY,
                "The user's sessions (the current one included), each weighted 2^(-age of its start / 7d).",
                DECAYED_COUNT, 0));
        list.add(new FeatureDefinition("user_converted_sessions_7d", FREQUENCY_MONETARY,
                "The user's sessions with a purchase, each weighted 2^(-age of its start / 7d).",
                DECAYED_COUNT, 0));
        list.add(new FeatureDefinition("user_session_conversion_7d", FREQUENCY_MONETARY,
                "user_converted_sessions_7d / user_sessions_7d; 0 for a user not seen before.", RATIO, 0));
        list.add(new FeatureDefinition("user_cart_add_rate_7d", FREQUENCY_MONETARY,
                "user_carts_7d / (user_views_7d + user_clicks_7d); 0 before the first look.", SCORE, 0));

        list.add(new FeatureDefinition("item_peer_looks_7d", ITEM,
                "Looks (views, clicks) at this item by sessions with a priced look before it, each weighted "
                        + "2^(-age / 7d): how much item_price_vs_peers and session_price_vs_item_peers rest on.",
                DECAYED_COUNT, 0));
        list.add(new FeatureDefinition("item_price_vs_peers", ITEM,
                "ln(item_price) minus the peers' price level: the mean of session_log_price_mean over the earlier "
                        + "looks at this item, weighted as item_peer_looks_7d; 0 without a price or peers.",
                LOG_RATIO, 0));
        list.add(new FeatureDefinition("session_price_vs_item_peers", ITEM,
                "session_log_price_mean minus the peers' price level of this event's item (as in item_price_vs_peers):"
                        + " how cheap the session shops against others who looked at the item; 0 without either.",
                LOG_RATIO, 0));
        return list;
    }
}
