package dev.flywheel.simulator;

import java.util.Arrays;
import java.util.List;

/**
 * The words items are listed with and shoppers search with. Every concept has several surface forms
 * (canonical first, then synonyms and multi-word phrases): a listing uses one form, a query may use
 * another, so a keyword index misses what a sentence embedding still finds. Misspellings are made
 * from a form by {@link #misspell}.
 */
final class SearchVocabulary {
    /** One concept and its surface forms, the canonical one first. */
    record Concept(List<String> forms) {
        String canonical() {
            return forms.get(0);
        }
    }

    // Four product types per named category, in ShopCatalog's order.
    private static final String[][] TYPES = {
            {"smartphone|mobile phone|cell phone", "laptop|notebook computer|portable computer",
                    "headphones|earphones|headset", "charger|power adapter|charging cable"},
            {"dress|gown|frock", "jacket|coat|parka", "jeans|denim trousers|denim pants", "sneakers|trainers|running shoes"},
            {"sofa|couch|settee", "lamp|light fixture|lantern light", "rug|carpet|floor mat", "pillow|cushion|throw pillow"},
            {"novel|fiction book|story book", "cookbook|recipe book|cooking book", "biography|memoir|life story",
                    "thriller|suspense novel|crime novel"},
            {"lipstick|lip color|lip tint", "moisturizer|face cream|hydrating lotion", "perfume|fragrance|eau de parfum",
                    "shampoo|hair wash|hair cleanser"},
            {"yoga mat|exercise mat|fitness mat", "bicycle|bike|cycle", "dumbbell|hand weight|free weight",
                    "tennis racket|tennis racquet|racquet"},
            {"puzzle|jigsaw|brain teaser", "doll|figurine|baby doll", "building blocks|construction bricks|toy bricks",
                    "plush toy|stuffed animal|teddy"},
            {"coffee|espresso beans|ground coffee", "tea|herbal infusion|loose leaf tea", "chocolate|cocoa bar|candy bar",
                    "pasta|spaghetti|noodles"},
            {"planter|flower pot|plant pot", "garden hose|watering hose|hosepipe", "shovel|spade|digging tool",
                    "lawn mower|grass cutter|mower"},
            {"tires|tyres|wheels", "wiper blades|windshield wipers|wipers", "dashcam|dashboard camera|car camera",
                    "car battery|auto battery|starter battery"},
            {"dog leash|dog lead|pet leash", "cat litter|kitty litter|litter sand", "dog food|kibble|puppy food",
                    "aquarium|fish tank|tank"},
            {"guitar|acoustic guitar|six string", "piano|keyboard|digital piano", "drum kit|drum set|drums",
                    "amplifier|amp|speaker amp"},
            {"notebook|journal|notepad", "pen|ballpoint|rollerball", "desk chair|office chair|swivel chair",
                    "printer|inkjet|laser printer"},
            {"ring|band|engagement ring", "necklace|pendant|chain", "bracelet|bangle|wristband", "earrings|studs|ear hoops"},
            {"stroller|pram|pushchair", "diapers|nappies|baby diapers", "baby bottle|feeding bottle|nursing bottle",
                    "crib|cot|baby bed"},
            {"vitamins|supplements|multivitamin", "thermometer|fever thermometer|temperature gauge",
                    "bandage|plaster|first aid tape", "massage gun|massager|muscle massager"},
            {"tent|shelter|camping tent", "backpack|rucksack|daypack", "sleeping bag|sleep sack|camping bag",
                    "compass|navigation compass|orienteering compass"},
            {"game console|gaming console|video game system", "controller|gamepad|joystick",
                    "gaming headset|gaming headphones|game headset", "board game|tabletop game|strategy game"},
            {"drill|power drill|cordless driver", "hammer|mallet|claw hammer", "wrench|spanner|socket wrench",
                    "saw|handsaw|circular saw"},
            {"watch|wristwatch|timepiece", "smartwatch|fitness tracker|smart band", "watch strap|watch band|wrist strap",
                    "chronograph|stopwatch watch|sports watch"},
    };

    private static final String[] COLOURS = {
            "black|charcoal|jet black", "white|ivory|off white", "red|crimson|scarlet", "blue|navy|dark blue",
            "green|olive|emerald", "grey|gray|slate", "brown|tan|walnut", "pink|rose|blush"};

    private static final String[] FEATURES = {
            "wireless|cordless|bluetooth", "waterproof|water resistant|weatherproof", "organic|natural|eco friendly",
            "compact|mini|small", "oversized|large|extra big", "vintage|retro|classic", "premium|luxury|deluxe",
            "lightweight|ultralight|featherweight"};

    private static final String[] SYLLABLES = {
            "nor", "vik", "zen", "tro", "al", "pha", "lu", "mo", "kai", "ro", "sel", "va", "dor", "ix", "qua", "ben"};

    static final int TYPES_PER_CATEGORY = 4;
    static final int BRANDS_PER_CATEGORY = 6;

    private SearchVocabulary() {
    }

    static Concept type(int category, int type) {
        if (category < TYPES.length) {
            return concept(TYPES[category][type]);
        }
        // Categories without a vocabulary still get distinct (if synonym-free) type words.
        return concept("cat" + category + "kind" + type);
    }

    static Concept colour(int colour) {
        return concept(COLOURS[colour]);
    }

    static Concept feature(int feature) {
        return concept(FEATURES[feature]);
    }

    static int colourCount() {
        return COLOURS.length;
    }

    static int featureCount() {
        return FEATURES.length;
    }

    /** A made-up brand name, unique per (category, brand) for a given seed. */
    static String brand(long seed, int category, int brand) {
        long id = (long) category * BRANDS_PER_CATEGORY + brand;
        var random = DerivedRandom.of(seed, DerivedRandom.BRAND, id);
        StringBuilder name = new StringBuilder();
        int parts = 2 + random.nextInt(2);
        for (int p = 0; p < parts; p++) {
            name.append(SYLLABLES[random.nextInt(SYLLABLES.length)]);
        }
        // The id keeps two brands from ever colliding, whatever the syllables drew.
        name.append(Integer.toString((int) id, 36));
        name.setCharAt(0, Character.toUpperCase(name.charAt(0)));
        return name.toString();
    }

    /**
     * A typing mistake in the longest word of the phrase: two letters swapped, one dropped, or one
     * doubled. Words shorter than four letters are left alone, as people rarely mistype them.
     */
    static String misspell(String phrase, java.util.random.RandomGenerator random) {
        String[] words = phrase.split(" ");
        int longest = 0;
        for (int w = 1; w < words.length; w++) {
            if (words[w].length() > words[longest].length()) {
                longest = w;
            }
        }
        String word = words[longest];
        if (word.length() < 4) {
            return phrase;
        }
        int at = 1 + random.nextInt(word.length() - 2);
        String wrong = switch (random.nextInt(3)) {
            case 0 -> word.substring(0, at) + word.charAt(at + 1) + word.charAt(at) + word.substring(at + 2);
            case 1 -> word.substring(0, at) + word.substring(at + 1);
            default -> word.substring(0, at) + word.charAt(at) + word.substring(at);
        };
        if (wrong.equals(word)) {
            // Swapping two equal letters changes nothing: drop one instead.
            wrong = word.substring(0, at) + word.substring(at + 1);
        }
        words[longest] = wrong;
        return String.join(" ", words);
    }

    private static Concept concept(String forms) {
        return new Concept(Arrays.asList(forms.split("\\|")));
    }
}
