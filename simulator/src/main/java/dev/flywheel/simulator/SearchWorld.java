package dev.flywheel.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The shop as a search engine sees it, with the answers: every item has a title, a brand and
 * attributes written from per-category vocabularies, searching shoppers type queries from their
 * intent, and the graded relevance of every (query, item) is known, so NDCG@10 is computed exactly
 * rather than estimated from clicks.
 *
 * <p>Relevance (0 to 3): another category 0; the right category but another product type 1; the right
 * type 2; the right type with every attribute the query named (colour, feature) 3. Clicks follow a
 * position-based model: the shopper looks at rank r (from 0) with probability 1 / (r + 1), and clicks
 * what they look at with a probability that grows with relevance and with a personal term (the
 * shopper's affinity to the brand and their price sensitivity against the item's price). The personal
 * term changes clicks, not relevance: NDCG is about the query, clicks are about the shopper.
 *
 * <p>Everything is derived from the seed by named random streams, as in {@link ShopSimulator}; the
 * event streams of {@link ShopSimulator} do not change because this class exists.
 */
public final class SearchWorld {
    /** An item as listed. {@code type}, {@code colour}, {@code feature} index the vocabularies. */
    public record CatalogItem(long index, String itemId, String title, String brand, String category,
                              String attributes, double price, int type, int colour, int feature) {
        /** Everything a shopper reads about the item, as one line. */
        public String text() {
            return title + ". " + category + ". " + attributes;
        }
    }

    /**
     * One search as the shopper meant it and typed it.
     *
     * @param colour  colour the shopper asked for, or -1
     * @param feature feature the shopper asked for, or -1
     */
    public record SearchQuery(long id, long userIndex, String userId, String text, int category, int type,
                              int colour, int feature, boolean misspelt) {
    }

    /** What the shopper did with one shown result. */
    public record Interaction(int position, String itemId, boolean examined, boolean clicked, boolean purchased) {
    }

    public static final int MAX_GRADE = 3;

    private static final double COLOUR_IN_QUERY = 0.5;
    private static final double FEATURE_IN_QUERY = 0.35;
    private static final double MISSPELLING = 0.2;
    /** Share of listings that use the canonical word; the rest use a synonym. */
    private static final double CANONICAL_LISTING = 0.4;

    private final long seed;
    private final int users;
    private final ShopCatalog catalog;
    private final Shoppers shoppers;
    private final int[] types;
    private final int[] colours;
    private final int[] features;
    private final int[] brands;
    // Which surface form of its type, colour and feature a listing uses.
    private final byte[] typeForms;
    private final byte[] colourForms;
    private final byte[] featureForms;

    public SearchWorld(SimulatorConfig config) {
        this.seed = config.seed();
        this.users = config.users();
        this.catalog = new ShopCatalog(config.seed(), config.items(), config.categories());
        this.shoppers = new Shoppers(config.seed(), catalog);
        int n = config.items();
        types = new int[n];
        colours = new int[n];
        features = new int[n];
        brands = new int[n];
        typeForms = new byte[n];
        colourForms = new byte[n];
        featureForms = new byte[n];
        for (int i = 0; i < n; i++) {
            SplittableRandom random = DerivedRandom.of(seed, DerivedRandom.ITEM_TEXT, i);
            types[i] = random.nextInt(SearchVocabulary.TYPES_PER_CATEGORY);
            colours[i] = random.nextInt(SearchVocabulary.colourCount());
            features[i] = random.nextInt(SearchVocabulary.featureCount());
            brands[i] = random.nextInt(SearchVocabulary.BRANDS_PER_CATEGORY);
            typeForms[i] = listingForm(random, SearchVocabulary.type(catalog.categoryOf(i), types[i]));
            colourForms[i] = listingForm(random, SearchVocabulary.colour(colours[i]));
            featureForms[i] = listingForm(random, SearchVocabulary.feature(features[i]));
        }
    }

    private static byte listingForm(SplittableRandom random, SearchVocabulary.Concept concept) {
        int forms = concept.forms().size();
        return (byte) (forms == 1 || random.nextDouble() < CANONICAL_LISTING ? 0 : 1 + random.nextInt(forms - 1));
    }

    public int itemCount() {
        return types.length;
    }

    public CatalogItem item(long index) {
        int i = Math.toIntExact(index);
        int category = catalog.categoryOf(i);
        String type = SearchVocabulary.type(category, types[i]).forms().get(typeForms[i]);
        String colour = SearchVocabulary.colour(colours[i]).forms().get(colourForms[i]);
        String feature = SearchVocabulary.feature(features[i]).forms().get(featureForms[i]);
        String brand = SearchVocabulary.brand(seed, category, brands[i]);
        String title = brand + " " + feature + " " + colour + " " + type;
        String attributes = "colour " + colour + ", " + feature;
        return new CatalogItem(i, catalog.itemId(i), title, brand, catalog.categoryName(category), attributes,
                catalog.basePrice(i), types[i], colours[i], features[i]);
    }

    /** The item index behind an item id ({@code item-<n>}), or -1 for an id that is not in the catalogue. */
    public long itemIndex(String itemId) {
        if (itemId == null || !itemId.startsWith("item-")) {
            return -1;
        }
        try {
            long index = Long.parseLong(itemId, 5, itemId.length(), 10);
            return index >= 0 && index < types.length ? index : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The {@code id}-th query of the stream searching shoppers issue; ids from 0 up. */
    public SearchQuery query(long id) {
        if (id < 0) {
            throw new IllegalArgumentException("query ids start at 0, got " + id);
        }
        return drawQuery(id);
    }

    /** The {@code id}-th query of a held-out set, disjoint in its random draws from {@link #query}. */
    public SearchQuery heldOutQuery(long id) {
        if (id < 0) {
            throw new IllegalArgumentException("query ids start at 0, got " + id);
        }
        return drawQuery(-1 - id);
    }

    private SearchQuery drawQuery(long id) {
        SplittableRandom random = DerivedRandom.of(seed, DerivedRandom.SEARCH_QUERY, id);
        long user = random.nextLong(users);
        int category = Shoppers.drawCategory(shoppers.traits(user).preferences(), random);
        int type = random.nextInt(SearchVocabulary.TYPES_PER_CATEGORY);
        int colour = random.nextDouble() < COLOUR_IN_QUERY ? random.nextInt(SearchVocabulary.colourCount()) : -1;
        int feature = random.nextDouble() < FEATURE_IN_QUERY ? random.nextInt(SearchVocabulary.featureCount()) : -1;
        String typeWords = anyForm(SearchVocabulary.type(category, type), random);
        boolean misspelt = false;
        if (random.nextDouble() < MISSPELLING) {
            String wrong = SearchVocabulary.misspell(typeWords, random);
            misspelt = !wrong.equals(typeWords);
            typeWords = wrong;
        }
        StringBuilder text = new StringBuilder();
        if (feature >= 0) {
            text.append(anyForm(SearchVocabulary.feature(feature), random)).append(' ');
        }
        if (colour >= 0) {
            text.append(anyForm(SearchVocabulary.colour(colour), random)).append(' ');
        }
        text.append(typeWords);
        return new SearchQuery(id, user, Shoppers.userId(user), text.toString(), category, type, colour, feature,
                misspelt);
    }

    private static String anyForm(SearchVocabulary.Concept concept, SplittableRandom random) {
        return concept.forms().get(random.nextInt(concept.forms().size()));
    }

    /** The graded relevance of the item to what the shopper meant, 0 to {@link #MAX_GRADE}. */
    public int relevance(SearchQuery query, long item) {
        int i = Math.toIntExact(item);
        if (catalog.categoryOf(i) != query.category()) {
            return 0;
        }
        if (types[i] != query.type()) {
            return 1;
        }
        boolean colourMatches = query.colour() < 0 || colours[i] == query.colour();
        boolean featureMatches = query.feature() < 0 || features[i] == query.feature();
        return colourMatches && featureMatches ? 3 : 2;
    }

    /** Relevance of an item id; 0 for ids not in the catalogue. */
    public int relevance(SearchQuery query, String itemId) {
        long index = itemIndex(itemId);
        return index < 0 ? 0 : relevance(query, index);
    }

    /**
     * NDCG@k of a ranked list (gain 2^grade - 1, discount log2(rank + 2)) against the best possible
     * list from the whole catalogue.
     */
    public double ndcg(SearchQuery query, List<String> rankedItemIds, int k) {
        double ideal = idealDcg(query, k);
        if (ideal == 0) {
            return 0;
        }
        double dcg = 0;
        for (int r = 0; r < Math.min(k, rankedItemIds.size()); r++) {
            dcg += gain(relevance(query, rankedItemIds.get(r))) / log2(r + 2);
        }
        return dcg / ideal;
    }

    double idealDcg(SearchQuery query, int k) {
        int[] counts = new int[MAX_GRADE + 1];
        for (long i = query.category(); i < types.length; i += catalog.categoryCount()) {
            counts[relevance(query, i)]++;
        }
        double dcg = 0;
        int rank = 0;
        for (int grade = MAX_GRADE; grade > 0 && rank < k; grade--) {
            for (int c = 0; c < counts[grade] && rank < k; c++, rank++) {
                dcg += gain(grade) / log2(rank + 2);
            }
        }
        return dcg;
    }

    private static double gain(int grade) {
        return (1 << grade) - 1;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    /** Probability that the shopper looks at the result at this rank (from 0): the position bias. */
    public static double examination(int rank) {
        return 1.0 / (rank + 1);
    }

    /**
     * The shopper's own taste for an item, on the log-odds scale: affinity to its brand (fixed per
     * shopper and brand) and dislike of prices above the category's usual level, scaled by the
     * shopper's price sensitivity.
     */
    public double personalPreference(long userIndex, long item) {
        int i = Math.toIntExact(item);
        int category = catalog.categoryOf(i);
        long brandId = (long) category * SearchVocabulary.BRANDS_PER_CATEGORY + brands[i];
        double affinity = 0.8 * DerivedRandom.of(seed, DerivedRandom.BRAND_AFFINITY, userIndex * 4096 + brandId)
                .nextGaussian();
        double sensitivity = shoppers.traits(userIndex).priceSensitivity();
        return affinity - 0.5 * sensitivity * Math.log(catalog.basePrice(i) / catalog.medianPrice(category));
    }

    /**
     * What the shopper does with a result list, drawn from the click model. {@code impression} names
     * the showing, so the same list shown twice can draw different clicks, and the same impression
     * always draws the same ones.
     */
    public List<Interaction> interact(SearchQuery query, List<String> shownItemIds, long impression) {
        SplittableRandom random = DerivedRandom.of(seed ^ query.id() * 0x2545F4914F6CDD1DL,
                DerivedRandom.SEARCH_CLICKS, impression);
        List<Interaction> interactions = new ArrayList<>(shownItemIds.size());
        for (int r = 0; r < shownItemIds.size(); r++) {
            String itemId = shownItemIds.get(r);
            boolean examined = random.nextDouble() < examination(r);
            double uClick = random.nextDouble();
            double uBuy = random.nextDouble();
            long item = itemIndex(itemId);
            if (!examined || item < 0) {
                interactions.add(new Interaction(r, itemId, examined, false, false));
                continue;
            }
            int grade = relevance(query, item);
            double personal = personalPreference(query.userIndex(), item);
            boolean clicked = uClick < sigmoid(-3.0 + 1.5 * grade + personal);
            boolean purchased = clicked && uBuy < sigmoid(-4.0 + 0.8 * grade + personal);
            interactions.add(new Interaction(r, itemId, true, clicked, purchased));
        }
        return interactions;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
