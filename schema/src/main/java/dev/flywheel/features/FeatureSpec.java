package dev.flywheel.features;

import static dev.flywheel.features.FeatureFamily.AFFINITY;
import static dev.flywheel.features.FeatureFamily.FREQUENCY_MONETARY;
import static dev.flywheel.features.FeatureFamily.ITEM;
import static dev.flywheel.features.FeatureFamily.RECENCY;
import static dev.flywheel.features.FeatureFamily.SESSION;
import static dev.flywheel.features.FeatureType.COUNT;
import static dev.flywheel.features.FeatureType.DECAYED_COUNT;
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
 * <p>The version changes whenever a name, the order, a meaning or a parameter below changes, so a
 * model trained on one version is never fed vectors of another by accident.
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

    private static final FeatureSpec CURRENT = new FeatureSpec(1, definitions());

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

    private static List<FeatureDefinition> definitions() {
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
}
