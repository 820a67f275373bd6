package dev.flywheel.features;

import dev.flywheel.events.EventType;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.AddToCart;
import dev.flywheel.events.ShopperEvent.AddToWishlist;
import dev.flywheel.events.ShopperEvent.Click;
import dev.flywheel.events.ShopperEvent.ItemEvent;
import dev.flywheel.events.ShopperEvent.Purchase;
import dev.flywheel.events.ShopperEvent.RemoveFromCart;
import dev.flywheel.events.ShopperEvent.Return;
import dev.flywheel.events.ShopperEvent.Search;
import dev.flywheel.events.ShopperEvent.View;
import java.util.Arrays;

/**
 * Everything the feature layer keeps about one user, and the math that turns it and one event into
 * the event's feature vector. A Flink POJO (public fields, arrays), checkpointed without Kryo; the
 * online user stage and {@link OfflineFeatureReplay} both call {@link #apply}, so the two cannot
 * compute different features.
 *
 * <p>Size bound: 3 times + 18 counters + 3 doubles + 19 session fields (about 300 bytes), at most K
 * categories with a score each (K = 16 by default: 16 x (8 + name)), at most
 * {@value #MAX_SESSION_ITEMS} item hashes (256 bytes). With K = 16 and category names under 24
 * bytes that is under 1.2 KiB in the worst case; a typical user holds a few categories and a few
 * session items: 368 bytes serialised on average after 10.4M simulated events (docs/features.md).
 */
public class UserState {
    /** "Never": no event, no cart, no purchase yet. */
    public static final long NONE = Long.MIN_VALUE;
    /** Distinct items remembered per session; beyond this, session_distinct_items stops growing. */
    public static final int MAX_SESSION_ITEMS = 64;

    private static final FeatureSpec SPEC = FeatureSpec.current();
    private static final int HALF_LIFE_COUNT = FeatureSpec.HALF_LIVES.size();
    private static final long[] HALF_LIFE_MILLIS = FeatureSpec.HALF_LIVES.stream().mapToLong(d -> d.toMillis()).toArray();
    private static final long SESSION_GAP = FeatureSpec.SESSION_GAP.toMillis();
    private static final long AFFINITY_HALF_LIFE = FeatureSpec.AFFINITY_HALF_LIFE.toMillis();
    private static final int WEEK = FeatureSpec.HALF_LIFE_SUFFIXES.indexOf("7d");

    // Counters in spec order: counter-major, half-lives within.
    private static final int VIEWS = 0;
    private static final int CLICKS = 1;
    private static final int CARTS = 2;
    private static final int PURCHASES = 3;
    private static final int SPEND = 4;
    private static final int RETURNS = 5;
    private static final int COUNTER_KINDS = 6;

    private static final int SECS_SINCE_LAST_EVENT = SPEC.indexOf("secs_since_last_event");
    private static final int SECS_SINCE_LAST_CART = SPEC.indexOf("secs_since_last_cart");
    private static final int SECS_SINCE_LAST_PURCHASE = SPEC.indexOf("secs_since_last_purchase");
    private static final int FIRST_COUNTER = SPEC.indexOf("user_views_1h");
    private static final int CATEGORY_AFFINITY = SPEC.indexOf("category_affinity");
    private static final int TOP_CATEGORY_SHARE = SPEC.indexOf("top_category_share");
    private static final int CATEGORY_COUNT = SPEC.indexOf("category_count");
    private static final int SESSION_EVENTS = SPEC.indexOf("session_events");
    private static final int SESSION_DURATION = SPEC.indexOf("session_duration_secs");
    private static final int SESSION_DISTINCT_ITEMS = SPEC.indexOf("session_distinct_items");
    private static final int SESSION_SEARCHES = SPEC.indexOf("session_searches");
    private static final int SESSION_CARTS = SPEC.indexOf("session_carts");
    private static final int SESSION_CART_VALUE = SPEC.indexOf("session_cart_value");
    private static final int SESSION_INTENT = SPEC.indexOf("session_intent_score");
    /** The {@code event_is_*} flag of each event type, by ordinal; -1 for a type the spec has none for. */
    private static final int[] EVENT_TYPE_FLAG = Arrays.stream(EventType.values())
            .mapToInt(type -> SPEC.indexOf("event_is_" + type.wireName())).toArray();
    private static final int QUERY_WORDS = SPEC.indexOf("query_words");
    private static final int SESSION_VIEWS = SPEC.indexOf("session_views");
    private static final int SESSION_CLICKS = SPEC.indexOf("session_clicks");
    private static final int SESSION_CART_ADDS = SPEC.indexOf("session_cart_adds");
    private static final int SESSION_CART_REMOVES = SPEC.indexOf("session_cart_removes");
    private static final int SESSION_WISHLIST_ADDS = SPEC.indexOf("session_wishlist_adds");
    private static final int SESSION_CART_ADD_RATE = SPEC.indexOf("session_cart_add_rate");
    private static final int SESSION_QUERY_WORDS_MEAN = SPEC.indexOf("session_query_words_mean");
    private static final int SESSION_QUERY_WORDS_MAX = SPEC.indexOf("session_query_words_max");
    static final int SESSION_PRICED_LOOKS = SPEC.indexOf("session_priced_looks");
    static final int SESSION_LOG_PRICE_MEAN = SPEC.indexOf("session_log_price_mean");
    private static final int SESSION_LOG_PRICE_MIN = SPEC.indexOf("session_log_price_min");
    private static final int SESSION_LOG_PRICE_SD = SPEC.indexOf("session_log_price_sd");
    private static final int SESSION_VIEW_VS_CLICK = SPEC.indexOf("session_view_vs_click_log_price");
    private static final int EVENT_PRICE_VS_SESSION = SPEC.indexOf("event_log_price_vs_session");
    private static final int USER_SESSIONS = SPEC.indexOf("user_sessions_7d");
    private static final int USER_CONVERTED_SESSIONS = SPEC.indexOf("user_converted_sessions_7d");
    private static final int USER_SESSION_CONVERSION = SPEC.indexOf("user_session_conversion_7d");
    private static final int USER_CART_ADD_RATE = SPEC.indexOf("user_cart_add_rate_7d");

    /** Event time the decayed values are brought up to; {@link #NONE} for a user never seen. */
    public long lastEventTime = NONE;
    public long lastCartTime = NONE;
    public long lastPurchaseTime = NONE;
    /** Decayed counters, {@code [kind * half-lives + half-life]}, as of {@link #lastEventTime}. */
    public double[] counters = new double[COUNTER_KINDS * HALF_LIFE_COUNT];
    /** Units bought at a known price, decayed 7 d: spend_7d / this is the user's usual unit price. */
    public double pricedUnits7d;
    /** Sessions started, decayed 7 d, as of {@link #lastEventTime}. */
    public double sessions7d;
    /** Sessions with a purchase, decayed 7 d from their start, as of {@link #lastEventTime}. */
    public double convertedSessions7d;
    /** The top-K categories and their decayed scores, as of {@link #lastEventTime}; unordered. */
    public String[] categories = new String[0];
    public double[] categoryScores = new double[0];

    // The current session; sessionEvents == 0 means there is none.
    public long sessionStart;
    public int sessionEvents;
    public int sessionViews;
    public int sessionClicks;
    public int sessionSearches;
    public int sessionWishlists;
    public int sessionCarts;
    public int sessionRemoves;
    public double sessionCartValue;
    /** Whether the session has bought: its first purchase counts it in {@link #convertedSessions7d}. */
    public boolean sessionConverted;
    public int sessionQueryWords;
    public int sessionMaxQueryWords;
    /** Views and clicks with a price, and the sum, sum of squares and minimum of their ln(price). */
    public int sessionPricedLooks;
    public double sessionLookLogPriceSum;
    public double sessionLookLogPriceSquares;
    public double sessionLookLogPriceMin;
    /** The views among the priced looks, and their ln(price) sum: the clicks are the rest. */
    public int sessionPricedViews;
    public double sessionViewLogPriceSum;
    /** {@code String.hashCode} of the session's distinct item ids: two ids may rarely share one. */
    public int[] sessionItems = new int[0];

    /**
     * Applies one event of this user and returns its complete feature vector in spec order;
     * {@code item} is what the item's state gave for it. The offline replay's path.
     */
    public double[] apply(ShopperEvent event, ItemFeatures item, FeatureSettings settings) {
        double[] features = applyUser(event, settings);
        item.writeInto(features, usualUnitPrice());
        return features;
    }

    /**
     * Applies one event of this user and returns its vector with the user and session features
     * filled in and the item features left for {@link ItemFeatures#writeInto}, which the online job
     * calls in its item stage with this user's {@link #usualUnitPrice()}.
     *
     * <p>Events are expected in event-time order. One older than the newest event applied so far
     * (out of order) is applied, not dropped: each decayed counter adds its contribution decayed by
     * how much older it is, {@code x * 2^(-(newest - ts) / half-life)}, which is exactly what it
     * would have added in order, so a decayed sum does not depend on arrival order (up to rounding);
     * the state's time stays at the newest event. Recency gaps to a newer event count as 0, the
     * event joins the current session (moving its start back if it is older), and the newest cart and purchase times stay the newest.
     */
    public double[] applyUser(ShopperEvent event, FeatureSettings settings) {
        long ts = event.ts();
        if (lastEventTime != NONE && ts - lastEventTime >= settings.stateTtlMillis()) {
            clear();
        }
        double[] features = new double[SPEC.size()];
        features[SECS_SINCE_LAST_EVENT] = secondsSince(lastEventTime, ts);
        features[SECS_SINCE_LAST_CART] = secondsSince(lastCartTime, ts);
        features[SECS_SINCE_LAST_PURCHASE] = secondsSince(lastPurchaseTime, ts);

        long age = lastEventTime != NONE && ts < lastEventTime ? lastEventTime - ts : 0;
        if (lastEventTime != NONE && ts > lastEventTime) {
            decay(ts - lastEventTime);
        }
        // Session expiry from the event-time gap, not from when a timer fired, so that replays agree.
        if (lastEventTime != NONE && ts - lastEventTime >= SESSION_GAP) {
            closeSession();
        }
        lastEventTime = Math.max(lastEventTime, ts);
        // A session weighs by the age of its start, in user_sessions_7d and, once it buys, in
        // user_converted_sessions_7d.
        if (sessionEvents == 0) {
            sessionStart = ts;
            sessions7d += Decay.factor(lastEventTime - ts, HALF_LIFE_MILLIS[WEEK]);
        } else if (ts < sessionStart) {
            // An out-of-order event that joins the session started it earlier: it weighs more.
            double moved = Decay.factor(lastEventTime - ts, HALF_LIFE_MILLIS[WEEK])
                    - Decay.factor(lastEventTime - sessionStart, HALF_LIFE_MILLIS[WEEK]);
            sessions7d += moved;
            if (sessionConverted) {
                convertedSessions7d += moved;
            }
            sessionStart = ts;
        }
        sessionEvents++;
        count(event, ts, age);
        if (event instanceof ItemEvent itemEvent) {
            addAffinity(itemEvent.category(), affinityWeight(event) * Decay.factor(age, AFFINITY_HALF_LIFE),
                    settings.topCategories());
            rememberSessionItem(itemEvent.itemId());
        }

        writeCounters(features);
        writeAffinity(features, event instanceof ItemEvent itemEvent ? itemEvent.category() : null);
        writeSession(features, ts);
        writeEvent(features, event);
        writeHistory(features);
        return features;
    }

    /**
     * The features this state holds on its own, without an event, in spec order: the decayed
     * counters and history, top_category_share and category_count, and the session's. Left out:
     * the recency gaps (export the times instead), category_affinity and
     * event_log_price_vs_session (they compare with an event), the event and item families.
     */
    public static final java.util.List<String> HELD_FEATURES = SPEC.features().stream()
            .filter(feature -> feature.family() != FeatureFamily.RECENCY && feature.family() != FeatureFamily.EVENT
                    && feature.family() != FeatureFamily.ITEM)
            .map(FeatureDefinition::name)
            .filter(name -> !name.equals("category_affinity") && !name.equals("event_log_price_vs_session"))
            .toList();

    /**
     * The {@link #HELD_FEATURES} as of {@code asOf}, in a vector in spec order (the others 0),
     * without changing this state: counters decayed to then, a session that a gap has ended by then
     * closed, nothing if the TTL has passed. At {@code asOf} = {@link #lastEventTime} they are the
     * values the vector of the user's last event carried, as long as no wake-up has closed its
     * session since. A time before the last event gives the state as it stands: it cannot be
     * rewound. For export and inspection.
     */
    public double[] featuresAt(long asOf, FeatureSettings settings) {
        UserState at = copy();
        if (at.lastEventTime != NONE && asOf - at.lastEventTime >= settings.stateTtlMillis()) {
            at.clear();
        }
        if (at.lastEventTime != NONE && asOf > at.lastEventTime) {
            at.decay(asOf - at.lastEventTime);
            if (asOf - at.lastEventTime >= SESSION_GAP) {
                at.closeSession();
            }
        }
        double[] features = new double[SPEC.size()];
        at.writeCounters(features);
        at.writeAffinity(features, null);
        at.writeSession(features, asOf);
        at.writeSessionMix(features, null);
        at.writeHistory(features);
        return features;
    }

    private UserState copy() {
        UserState copy = new UserState();
        copy.lastEventTime = lastEventTime;
        copy.lastCartTime = lastCartTime;
        copy.lastPurchaseTime = lastPurchaseTime;
        copy.counters = counters.clone();
        copy.pricedUnits7d = pricedUnits7d;
        copy.sessions7d = sessions7d;
        copy.convertedSessions7d = convertedSessions7d;
        copy.categories = categories.clone();
        copy.categoryScores = categoryScores.clone();
        copy.sessionStart = sessionStart;
        copy.sessionEvents = sessionEvents;
        copy.sessionViews = sessionViews;
        copy.sessionClicks = sessionClicks;
        copy.sessionSearches = sessionSearches;
        copy.sessionWishlists = sessionWishlists;
        copy.sessionCarts = sessionCarts;
        copy.sessionRemoves = sessionRemoves;
        copy.sessionCartValue = sessionCartValue;
        copy.sessionConverted = sessionConverted;
        copy.sessionQueryWords = sessionQueryWords;
        copy.sessionMaxQueryWords = sessionMaxQueryWords;
        copy.sessionPricedLooks = sessionPricedLooks;
        copy.sessionLookLogPriceSum = sessionLookLogPriceSum;
        copy.sessionLookLogPriceSquares = sessionLookLogPriceSquares;
        copy.sessionLookLogPriceMin = sessionLookLogPriceMin;
        copy.sessionPricedViews = sessionPricedViews;
        copy.sessionViewLogPriceSum = sessionViewLogPriceSum;
        copy.sessionItems = sessionItems.clone();
        return copy;
    }

    /**
     * The user's average purchased unit price over the last week (decayed 7 d spend / units bought
     * at a known price); 0 when unknown. {@code item_price_vs_user_spend} compares an item with it.
     */
    public double usualUnitPrice() {
        double spend7d = counters[SPEND * HALF_LIFE_COUNT + WEEK];
        return spend7d > 0 && pricedUnits7d > 0 ? spend7d / pricedUnits7d : 0;
    }

    /** Whether an event at {@code ts} is older than the newest one this user has applied. */
    public boolean isOutOfOrder(long ts) {
        return lastEventTime != NONE && ts < lastEventTime;
    }

    /** The event time at which the session ends unless another event comes first. */
    public long sessionEndsAt() {
        return lastEventTime + SESSION_GAP;
    }

    /** The event time at which this user is forgotten unless another event comes first. */
    public long expiresAt(FeatureSettings settings) {
        return lastEventTime + settings.stateTtlMillis();
    }

    public boolean hasOpenSession() {
        return sessionEvents > 0;
    }

    /** Forgets the session; the next event starts a new one. */
    public void closeSession() {
        sessionStart = 0;
        sessionEvents = 0;
        sessionViews = 0;
        sessionClicks = 0;
        sessionSearches = 0;
        sessionWishlists = 0;
        sessionCarts = 0;
        sessionRemoves = 0;
        sessionCartValue = 0;
        sessionConverted = false;
        sessionQueryWords = 0;
        sessionMaxQueryWords = 0;
        sessionPricedLooks = 0;
        sessionLookLogPriceSum = 0;
        sessionLookLogPriceSquares = 0;
        sessionLookLogPriceMin = 0;
        sessionPricedViews = 0;
        sessionViewLogPriceSum = 0;
        sessionItems = new int[0];
    }

    private void clear() {
        lastEventTime = NONE;
        lastCartTime = NONE;
        lastPurchaseTime = NONE;
        Arrays.fill(counters, 0);
        pricedUnits7d = 0;
        sessions7d = 0;
        convertedSessions7d = 0;
        categories = new String[0];
        categoryScores = new double[0];
        closeSession();
    }

    /** -1 for never; 0 when {@code then} is newer than an out-of-order {@code now}. */
    private static double secondsSince(long then, long now) {
        return then == NONE ? -1 : Math.max(0, now - then) / 1000.0;
    }

    private void decay(long age) {
        for (int h = 0; h < HALF_LIFE_COUNT; h++) {
            double factor = Decay.factor(age, HALF_LIFE_MILLIS[h]);
            for (int kind = 0; kind < COUNTER_KINDS; kind++) {
                counters[kind * HALF_LIFE_COUNT + h] *= factor;
            }
            if (h == WEEK) {
                pricedUnits7d *= factor;
                sessions7d *= factor;
                convertedSessions7d *= factor;
            }
        }
        double affinityFactor = Decay.factor(age, AFFINITY_HALF_LIFE);
        for (int i = 0; i < categoryScores.length; i++) {
            categoryScores[i] *= affinityFactor;
        }
    }

    /** Adds the event to the counters; {@code age} &gt; 0 for an out-of-order event that much older. */
    private void count(ShopperEvent event, long ts, long age) {
        if (event instanceof View view) {
            add(VIEWS, 1, age);
            sessionViews++;
            look(view.price(), true);
        } else if (event instanceof Click click) {
            add(CLICKS, 1, age);
            sessionClicks++;
            look(click.price(), false);
        } else if (event instanceof Search search) {
            sessionSearches++;
            int words = countWords(search.query());
            sessionQueryWords += words;
            sessionMaxQueryWords = Math.max(sessionMaxQueryWords, words);
        } else if (event instanceof AddToCart cart) {
            add(CARTS, 1, age);
            sessionCarts++;
            sessionCartValue += lineValue(cart.price(), cart.quantity());
            lastCartTime = Math.max(lastCartTime, ts);
        } else if (event instanceof RemoveFromCart remove) {
            sessionRemoves++;
            sessionCartValue -= lineValue(remove.price(), remove.quantity());
        } else if (event instanceof AddToWishlist) {
            sessionWishlists++;
        } else if (event instanceof Purchase purchase) {
            add(PURCHASES, 1, age);
            add(SPEND, lineValue(purchase.price(), purchase.quantity()), age);
            if (purchase.price() != null && purchase.price() > 0) {
                pricedUnits7d += purchase.quantity() * Decay.factor(age, HALF_LIFE_MILLIS[WEEK]);
            }
            lastPurchaseTime = Math.max(lastPurchaseTime, ts);
            if (!sessionConverted) {
                sessionConverted = true;
                convertedSessions7d += Decay.factor(lastEventTime - sessionStart, HALF_LIFE_MILLIS[WEEK]);
            }
        } else if (event instanceof Return) {
            add(RETURNS, 1, age);
        }
    }

    /** An item looked at (viewed or clicked): its price, if it has one, joins the session's price level. */
    private void look(Double price, boolean viewed) {
        if (price == null || !(price > 0)) {
            return;
        }
        double logPrice = StrictMath.log(price);
        sessionLookLogPriceMin = sessionPricedLooks == 0 ? logPrice : Math.min(sessionLookLogPriceMin, logPrice);
        sessionPricedLooks++;
        sessionLookLogPriceSum += logPrice;
        sessionLookLogPriceSquares += logPrice * logPrice;
        if (viewed) {
            sessionPricedViews++;
            sessionViewLogPriceSum += logPrice;
        }
    }

    /** Runs of non-whitespace characters: "wireless  phone charger" has 3. */
    static int countWords(String text) {
        int words = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); i++) {
            boolean space = Character.isWhitespace(text.charAt(i)) || Character.isSpaceChar(text.charAt(i));
            if (!space && !inWord) {
                words++;
            }
            inWord = !space;
        }
        return words;
    }

    private static double lineValue(Double price, int quantity) {
        return price == null ? 0 : price * quantity;
    }

    private void add(int kind, double amount, long age) {
        for (int h = 0; h < HALF_LIFE_COUNT; h++) {
            counters[kind * HALF_LIFE_COUNT + h] += age == 0 ? amount : amount * Decay.factor(age, HALF_LIFE_MILLIS[h]);
        }
    }

    /** How much an event says about interest in its category; removals and returns say nothing. */
    private static double affinityWeight(ShopperEvent event) {
        if (event instanceof Purchase) {
            return 5;
        } else if (event instanceof AddToCart) {
            return 3;
        } else if (event instanceof AddToWishlist) {
            return 2;
        } else if (event instanceof View || event instanceof Click) {
            return 1;
        }
        return 0;
    }

    private void addAffinity(String category, double weight, int topCategories) {
        if (weight == 0) {
            return;
        }
        for (int i = 0; i < categories.length; i++) {
            if (categories[i].equals(category)) {
                categoryScores[i] += weight;
                return;
            }
        }
        if (categories.length < topCategories) {
            categories = Arrays.copyOf(categories, categories.length + 1);
            categoryScores = Arrays.copyOf(categoryScores, categoryScores.length + 1);
            categories[categories.length - 1] = category;
            categoryScores[categoryScores.length - 1] = weight;
            return;
        }
        // Full: the weakest category makes room (ties: the lowest position), as in a space-saving
        // sketch. A new interest therefore always shows up, and a faded one is the first to go.
        int weakest = 0;
        for (int i = 1; i < categoryScores.length; i++) {
            if (categoryScores[i] < categoryScores[weakest]) {
                weakest = i;
            }
        }
        categories[weakest] = category;
        categoryScores[weakest] = weight;
    }

    private void rememberSessionItem(String itemId) {
        int hash = itemId.hashCode();
        for (int known : sessionItems) {
            if (known == hash) {
                return;
            }
        }
        if (sessionItems.length < MAX_SESSION_ITEMS) {
            sessionItems = Arrays.copyOf(sessionItems, sessionItems.length + 1);
            sessionItems[sessionItems.length - 1] = hash;
        }
    }

    private void writeCounters(double[] features) {
        System.arraycopy(counters, 0, features, FIRST_COUNTER, counters.length);
    }

    private void writeAffinity(double[] features, String category) {
        double total = 0;
        double top = 0;
        double mine = 0;
        for (int i = 0; i < categories.length; i++) {
            total += categoryScores[i];
            top = Math.max(top, categoryScores[i]);
            if (categories[i].equals(category)) {
                mine = categoryScores[i];
            }
        }
        features[CATEGORY_AFFINITY] = total > 0 ? mine / total : 0;
        features[TOP_CATEGORY_SHARE] = total > 0 ? top / total : 0;
        features[CATEGORY_COUNT] = categories.length;
    }

    private void writeSession(double[] features, long ts) {
        features[SESSION_EVENTS] = sessionEvents;
        features[SESSION_DURATION] = Math.max(0, ts - sessionStart) / 1000.0;
        features[SESSION_DISTINCT_ITEMS] = sessionItems.length;
        features[SESSION_SEARCHES] = sessionSearches;
        features[SESSION_CARTS] = Math.max(0, sessionCarts - sessionRemoves);
        features[SESSION_CART_VALUE] = Math.max(0, sessionCartValue);
        double intent = 0.05 * sessionViews + 0.1 * sessionClicks + 0.1 * sessionSearches + 0.3 * sessionWishlists
                + 1.0 * sessionCarts - 0.5 * sessionRemoves;
        features[SESSION_INTENT] = intent <= 0 ? 0 : 1 - StrictMath.exp(-intent);
    }

    private void writeEvent(double[] features, ShopperEvent event) {
        int typeFlag = EVENT_TYPE_FLAG[event.type().ordinal()];
        if (typeFlag >= 0) {
            features[typeFlag] = 1;
        }
        features[QUERY_WORDS] = event instanceof Search search ? countWords(search.query()) : 0;
        writeSessionMix(features, event instanceof ItemEvent itemEvent ? itemEvent.price() : null);
    }

    /** The session's composition and price level; {@code eventPrice} for event_log_price_vs_session. */
    private void writeSessionMix(double[] features, Double price) {
        features[SESSION_VIEWS] = sessionViews;
        features[SESSION_CLICKS] = sessionClicks;
        features[SESSION_CART_ADDS] = sessionCarts;
        features[SESSION_CART_REMOVES] = sessionRemoves;
        features[SESSION_WISHLIST_ADDS] = sessionWishlists;
        int looks = sessionViews + sessionClicks;
        features[SESSION_CART_ADD_RATE] = looks > 0 ? sessionCarts / (double) looks : 0;
        features[SESSION_QUERY_WORDS_MEAN] = sessionSearches > 0 ? sessionQueryWords / (double) sessionSearches : 0;
        features[SESSION_QUERY_WORDS_MAX] = sessionMaxQueryWords;
        features[SESSION_PRICED_LOOKS] = sessionPricedLooks;
        if (sessionPricedLooks > 0) {
            double mean = sessionLookLogPriceSum / sessionPricedLooks;
            features[SESSION_LOG_PRICE_MEAN] = mean;
            features[SESSION_LOG_PRICE_MIN] = sessionLookLogPriceMin;
            features[SESSION_LOG_PRICE_SD] = sessionPricedLooks > 1
                    ? Math.sqrt(Math.max(0, sessionLookLogPriceSquares / sessionPricedLooks - mean * mean)) : 0;
            int pricedClicks = sessionPricedLooks - sessionPricedViews;
            features[SESSION_VIEW_VS_CLICK] = sessionPricedViews > 0 && pricedClicks > 0
                    ? sessionViewLogPriceSum / sessionPricedViews
                            - (sessionLookLogPriceSum - sessionViewLogPriceSum) / pricedClicks
                    : 0;
            features[EVENT_PRICE_VS_SESSION] = price != null && price > 0 ? StrictMath.log(price) - mean : 0;
        }
    }

    private void writeHistory(double[] features) {
        features[USER_SESSIONS] = sessions7d;
        features[USER_CONVERTED_SESSIONS] = convertedSessions7d;
        features[USER_SESSION_CONVERSION] = sessions7d > 0 ? convertedSessions7d / sessions7d : 0;
        double looks7d = counters[VIEWS * HALF_LIFE_COUNT + WEEK] + counters[CLICKS * HALF_LIFE_COUNT + WEEK];
        features[USER_CART_ADD_RATE] = looks7d > 0 ? counters[CARTS * HALF_LIFE_COUNT + WEEK] / looks7d : 0;
    }
}
