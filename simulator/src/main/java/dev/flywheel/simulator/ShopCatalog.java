package dev.flywheel.simulator;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Categories and items. Item {@code i} belongs to category {@code i % categories}, so the items of a
 * category are found without an index, and an item's price is derived from (seed, item) on demand.
 */
final class ShopCatalog {
    private record Category(String name, double medianPrice, List<String> words) {
    }

    // Real names and query words for the first categories, most popular first.
    private static final List<Category> NAMED = List.of(
            new Category("electronics", 250, List.of("phone", "laptop", "headphones", "charger", "tablet", "camera", "wireless")),
            new Category("fashion", 45, List.of("dress", "jacket", "jeans", "shirt", "sneakers", "wool", "summer")),
            new Category("home", 80, List.of("lamp", "sofa", "curtain", "rug", "pillow", "shelf", "kitchen")),
            new Category("books", 15, List.of("novel", "cookbook", "biography", "paperback", "thriller", "history")),
            new Category("beauty", 25, List.of("lipstick", "serum", "perfume", "moisturizer", "shampoo", "organic")),
            new Category("sports", 60, List.of("running", "yoga", "bicycle", "tennis", "dumbbell", "hiking")),
            new Category("toys", 30, List.of("puzzle", "doll", "robot", "blocks", "plush", "kids")),
            new Category("grocery", 8, List.of("coffee", "tea", "chocolate", "pasta", "snacks", "spices")),
            new Category("garden", 35, List.of("seeds", "hose", "planter", "shovel", "lawn", "flowers")),
            new Category("automotive", 50, List.of("tires", "wiper", "dashcam", "motor", "cover", "battery")),
            new Category("pets", 20, List.of("dog", "cat", "leash", "kibble", "aquarium", "collar")),
            new Category("music", 150, List.of("guitar", "piano", "vinyl", "drum", "ukulele", "amplifier")),
            new Category("office", 20, List.of("notebook", "pen", "desk", "chair", "printer", "stapler")),
            new Category("jewelry", 120, List.of("ring", "necklace", "bracelet", "earrings", "silver", "gold")),
            new Category("baby", 40, List.of("stroller", "diaper", "bottle", "crib", "onesie", "blanket")),
            new Category("health", 18, List.of("vitamins", "thermometer", "bandage", "massage", "protein")),
            new Category("outdoor", 70, List.of("tent", "backpack", "lantern", "sleeping", "compass")),
            new Category("games", 55, List.of("console", "controller", "headset", "strategy", "arcade")),
            new Category("tools", 65, List.of("drill", "hammer", "wrench", "saw", "screwdriver")),
            new Category("watches", 180, List.of("watch", "smartwatch", "strap", "chronograph", "leather")));

    /** Spread of item prices around their category's median, as the sigma of a log-normal. */
    private static final double PRICE_SIGMA = 0.6;

    private final long seed;
    private final int items;
    private final Category[] categories;
    private final double[] popularity;

    ShopCatalog(long seed, int items, int categoryCount) {
        this.seed = seed;
        this.items = items;
        this.categories = new Category[categoryCount];
        this.popularity = new double[categoryCount];
        double total = 0;
        for (int c = 0; c < categoryCount; c++) {
            categories[c] = c < NAMED.size() ? NAMED.get(c) : generatedCategory(c);
            popularity[c] = 1.0 / Math.pow(c + 1, 0.8);
            total += popularity[c];
        }
        for (int c = 0; c < categoryCount; c++) {
            popularity[c] /= total;
        }
    }

    private Category generatedCategory(int c) {
        double median = 10 * Math.exp(3 * DerivedRandom.uniform(seed, DerivedRandom.CATEGORY, c));
        return new Category("category-" + c, Math.round(median), List.of("cat" + c, "kind" + c, "style" + c));
    }

    int categoryCount() {
        return categories.length;
    }

    /** Share of shoppers' attention the category gets on average; Zipf-like, so the mix has a shape. */
    double popularity(int category) {
        return popularity[category];
    }

    String categoryName(int category) {
        return categories[category].name();
    }

    double medianPrice(int category) {
        return categories[category].medianPrice();
    }

    List<String> queryWords(int category) {
        return categories[category].words();
    }

    int categoryOf(long item) {
        return (int) (item % categories.length);
    }

    String itemId(long item) {
        return "item-" + item;
    }

    /** List price before any price shock, log-normal around the category's median, in whole cents. */
    double basePrice(long item) {
        double z = DerivedRandom.of(seed, DerivedRandom.ITEM, item).nextGaussian();
        return Math.max(0.5, roundToCents(medianPrice(categoryOf(item)) * Math.exp(PRICE_SIGMA * z)));
    }

    /** An item of the category, popular (low-index) items far more often than the long tail. */
    long drawItem(int category, RandomGenerator random) {
        long inCategory = (items - category + categories.length - 1) / categories.length;
        long rank = (long) (inCategory * Math.pow(random.nextDouble(), 3));
        return category + rank * categories.length;
    }

    long drawAnyItem(RandomGenerator random) {
        return random.nextLong(items);
    }

    static double roundToCents(double amount) {
        return Math.round(amount * 100) / 100.0;
    }
}
