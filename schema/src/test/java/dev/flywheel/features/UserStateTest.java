package dev.flywheel.features;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.AddToCart;
import dev.flywheel.events.ShopperEvent.Purchase;
import dev.flywheel.events.ShopperEvent.RemoveFromCart;
import dev.flywheel.events.ShopperEvent.Search;
import dev.flywheel.events.ShopperEvent.View;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class UserStateTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long MINUTE = 60_000;
    private static final long HOUR = 60 * MINUTE;
    private static final FeatureSettings SETTINGS = new FeatureSettings(2, Duration.ofDays(8));

    private final UserState user = new UserState();

    @Test
    void firstEventHasNoRecencyAndOpensASession() {
        FeatureVector v = apply(new View(header("e1", T0), "i1", "books", 10.0));
        assertEquals(-1, v.value("secs_since_last_event"));
        assertEquals(-1, v.value("secs_since_last_cart"));
        assertEquals(1, v.value("session_events"));
        assertEquals(1, v.value("user_views_1h"));
        assertEquals(1, v.value("category_affinity"));
        assertEquals(1, v.value("category_count"));
    }

    @Test
    void countersHalveAfterOneHalfLife() {
        apply(new View(header("e1", T0), "i1", "books", 10.0));
        FeatureVector v = apply(new View(header("e2", T0 + HOUR), "i1", "books", 10.0));
        assertEquals(1.5, v.value("user_views_1h"), 1e-12);
        assertEquals(1 + Math.pow(2, -1.0 / 24), v.value("user_views_1d"), 1e-12);
        assertEquals(3600, v.value("secs_since_last_event"));
    }

    @Test
    void sessionEndsAfterThirtyMinutesOfSilence() {
        apply(new View(header("e1", T0), "i1", "books", 10.0));
        FeatureVector inSession = apply(new Search(header("e2", T0 + 29 * MINUTE), "q", List.of(), "r"));
        assertEquals(2, inSession.value("session_events"));
        assertEquals(29 * 60, inSession.value("session_duration_secs"));
        assertEquals(1, inSession.value("session_searches"));

        FeatureVector next = apply(new View(header("e3", T0 + 59 * MINUTE), "i2", "books", 10.0));
        assertEquals(1, next.value("session_events"));
        assertEquals(0, next.value("session_duration_secs"));
        assertEquals(0, next.value("session_searches"));
    }

    @Test
    void cartValueIntentAndDistinctItems() {
        apply(new View(header("e1", T0), "i1", "books", 10.0));
        apply(new AddToCart(header("e2", T0 + MINUTE), "i1", "books", 10.0, 3));
        apply(new AddToCart(header("e3", T0 + 2 * MINUTE), "i2", "books", 4.0, 1));
        FeatureVector v = apply(new RemoveFromCart(header("e4", T0 + 3 * MINUTE), "i1", "books", 10.0, 1));
        assertEquals(1, v.value("session_carts"));
        assertEquals(24, v.value("session_cart_value"), 1e-12);
        assertEquals(2, v.value("session_distinct_items"));
        assertEquals(1 - Math.exp(-(0.05 + 2 - 0.5)), v.value("session_intent_score"), 1e-12);
        assertEquals(60, v.value("secs_since_last_cart"));
    }

    @Test
    void affinityKeepsTopKAndEvictsTheWeakest() {
        apply(new AddToCart(header("e1", T0), "i1", "books", 1.0, 1));
        apply(new View(header("e2", T0 + 1), "i2", "toys", 1.0));
        FeatureVector v = apply(new View(header("e3", T0 + 2), "i3", "garden", 1.0));
        // K = 2: toys (1) made room for garden (1); books (3) stays.
        assertEquals(2, v.value("category_count"));
        assertEquals(0.25, v.value("category_affinity"), 1e-6);
        assertEquals(0.75, v.value("top_category_share"), 1e-6);
    }

    @Test
    void priceRelativeToUsualSpend() {
        apply(new Purchase(header("e1", T0), "o1", "i1", "books", 20.0, 2));
        FeatureVector v = apply(new View(header("e2", T0), "i2", "books", 50.0),
                new ItemFeatures(0, 0, 0, 50.0));
        assertEquals(2.5, v.value("item_price_vs_user_spend"), 1e-12);
        assertEquals(0, v.value("secs_since_last_purchase"), "same millisecond as the purchase");
    }

    @Test
    void aUserSilentForTheTtlStartsOver() {
        apply(new Purchase(header("e1", T0), "o1", "i1", "books", 20.0, 2));
        FeatureVector v = apply(new View(header("e2", T0 + SETTINGS.stateTtlMillis()), "i2", "books", 5.0));
        assertEquals(-1, v.value("secs_since_last_event"));
        assertEquals(-1, v.value("secs_since_last_purchase"));
        assertEquals(0, v.value("user_purchases_7d"));
        assertEquals(1, v.value("category_count"));
    }

    @Test
    void outOfOrderEventsLeaveTheDecayedCountersAsInOrderAndRecencyAtZero() {
        List<ShopperEvent> events = List.of(
                new View(header("e1", T0), "i1", "books", 10.0),
                new AddToCart(header("e2", T0 + 2 * MINUTE), "i1", "books", 10.0, 1),
                new View(header("e3", T0 + 5 * MINUTE), "i2", "games", 30.0),
                new Purchase(header("e4", T0 + 9 * MINUTE), "o1", "i1", "books", 10.0, 1),
                new View(header("e5", T0 + 12 * MINUTE), "i3", "books", 12.0));
        UserState inOrder = new UserState();
        events.forEach(e -> inOrder.apply(e, ItemFeatures.NONE, SETTINGS));
        UserState shuffled = new UserState();
        for (int i : new int[] {4, 0, 3, 1, 2}) {
            double[] v = shuffled.apply(events.get(i), ItemFeatures.NONE, SETTINGS);
            if (i != 4) {
                assertEquals(0, v[FeatureSpec.current().indexOf("secs_since_last_event")],
                        "an event older than the newest is 0 s after it");
            }
        }
        // A probe in order after both: every decayed counter agrees, whatever the order before.
        View probe = new View(header("e6", T0 + 20 * MINUTE), "i4", "books", 11.0);
        double[] expected = inOrder.apply(probe, ItemFeatures.NONE, SETTINGS);
        double[] actual = shuffled.apply(probe, ItemFeatures.NONE, SETTINGS);
        List<FeatureDefinition> features = FeatureSpec.current().features();
        int decayed = 0;
        for (int i = 0; i < features.size(); i++) {
            if (features.get(i).type() == FeatureType.DECAYED_COUNT && features.get(i).family() != FeatureFamily.ITEM) {
                assertEquals(expected[i], actual[i], 1e-9 * Math.max(1, Math.abs(expected[i])), features.get(i).name());
                decayed++;
            }
        }
        assertEquals(true, decayed >= 10);
        // The session started at the oldest event, and the newest cart and purchase stay the newest.
        assertEquals(expected[FeatureSpec.current().indexOf("session_duration_secs")],
                actual[FeatureSpec.current().indexOf("session_duration_secs")]);
        assertEquals(expected[FeatureSpec.current().indexOf("secs_since_last_purchase")],
                actual[FeatureSpec.current().indexOf("secs_since_last_purchase")]);
        assertEquals(expected[FeatureSpec.current().indexOf("secs_since_last_cart")],
                actual[FeatureSpec.current().indexOf("secs_since_last_cart")]);
    }

    @Test
    void theEventsTypeAndItsQueryAreFeatures() {
        FeatureVector first = apply(new Search(header("e1", T0), "wireless  phone\tcharger ", List.of(), "r1"));
        assertEquals(1, first.value("event_is_search"));
        assertEquals(0, first.value("event_is_view"));
        assertEquals(3, first.value("query_words"), "runs of non-whitespace, whatever separates them");
        FeatureVector second = apply(new Search(header("e2", T0 + MINUTE), "phone", List.of(), "r2"));
        assertEquals(1, second.value("query_words"));
        assertEquals(2, second.value("session_query_words_mean"));
        assertEquals(3, second.value("session_query_words_max"));
        FeatureVector purchase = apply(new Purchase(header("e3", T0 + 2 * MINUTE), "o1", "i1", "books", 5.0, 1));
        assertEquals(1, purchase.value("event_is_purchase"));
        assertEquals(0, purchase.value("event_is_search"));
        assertEquals(0, purchase.value("query_words"));
        assertEquals(2, purchase.value("session_query_words_mean"), "the session keeps its queries");
        int flags = 0;
        for (String name : FeatureSpec.current().names()) {
            flags += name.startsWith("event_is_") ? (int) purchase.value(name) : 0;
        }
        assertEquals(1, flags, "exactly one type flag is set");
    }

    @Test
    void sessionCountsAndTheCartAddRatePerItemLookedAt() {
        apply(new View(header("e1", T0), "i1", "books", 10.0));
        apply(new ShopperEvent.Click(header("e2", T0 + MINUTE), "i2", "books", 12.0, "r"));
        apply(new AddToCart(header("e3", T0 + 2 * MINUTE), "i2", "books", 12.0, 1));
        apply(new RemoveFromCart(header("e4", T0 + 3 * MINUTE), "i2", "books", 12.0, 1));
        FeatureVector v = apply(new ShopperEvent.AddToWishlist(header("e5", T0 + 4 * MINUTE), "i1", "books", 10.0));
        assertEquals(1, v.value("session_views"));
        assertEquals(1, v.value("session_clicks"));
        assertEquals(1, v.value("session_cart_adds"));
        assertEquals(1, v.value("session_cart_removes"));
        assertEquals(1, v.value("session_wishlist_adds"));
        assertEquals(0.5, v.value("session_cart_add_rate"));
        // One cart per two looks, each weighted by its age at the last event (4, 3 and 2 minutes).
        assertEquals(week(2) / (week(4) + week(3)), v.value("user_cart_add_rate_7d"), 1e-12);
    }

    @Test
    void thePriceLevelOfTheItemsLookedAt() {
        FeatureVector none = apply(new Search(header("e0", T0), "novel", List.of(), "r"));
        assertEquals(0, none.value("session_priced_looks"));
        assertEquals(0, none.value("session_log_price_mean"));
        apply(new View(header("e1", T0 + 1), "i1", "books", 10.0));
        apply(new View(header("e2", T0 + 2), "i2", "books", 40.0));
        apply(new View(header("e3", T0 + 3), "i3", "books", null));
        FeatureVector v = apply(new ShopperEvent.Click(header("e4", T0 + 4), "i4", "books", 20.0, "r"));
        double a = Math.log(10);
        double b = Math.log(40);
        double c = Math.log(20);
        double mean = (a + b + c) / 3;
        assertEquals(3, v.value("session_priced_looks"), "a view without a price says nothing about prices");
        assertEquals(mean, v.value("session_log_price_mean"), 1e-12);
        assertEquals(a, v.value("session_log_price_min"), 1e-12);
        double variance = (a * a + b * b + c * c) / 3 - mean * mean;
        assertEquals(Math.sqrt(variance), v.value("session_log_price_sd"), 1e-12);
        assertEquals((a + b) / 2 - c, v.value("session_view_vs_click_log_price"), 1e-12);
        assertEquals(c - mean, v.value("event_log_price_vs_session"), 1e-12);
        FeatureVector cart = apply(new AddToCart(header("e5", T0 + 5), "i1", "books", 10.0, 1));
        assertEquals(3, cart.value("session_priced_looks"), "a cart is not a look");
        assertEquals(a - mean, cart.value("event_log_price_vs_session"), 1e-12);
    }

    @Test
    void sessionsAndConvertedSessionsDecayFromTheirStart() {
        apply(new View(header("e1", T0), "i1", "books", 10.0));
        apply(new Purchase(header("e2", T0 + 10 * MINUTE), "o1", "i1", "books", 10.0, 1));
        FeatureVector sameOrder = apply(new Purchase(header("e3", T0 + 10 * MINUTE), "o1", "i2", "books", 10.0, 1));
        double tenMinutes = Math.pow(2, -10.0 / (7 * 24 * 60));
        assertEquals(tenMinutes, sameOrder.value("user_sessions_7d"), 1e-12);
        assertEquals(tenMinutes, sameOrder.value("user_converted_sessions_7d"), 1e-12, "a session converts once");
        assertEquals(1, sameOrder.value("user_session_conversion_7d"), 1e-12);

        FeatureVector next = apply(new View(header("e4", T0 + 7 * 24 * HOUR), "i3", "books", 10.0));
        assertEquals(1 + 0.5, next.value("user_sessions_7d"), 1e-12, "a week later the first session weighs half");
        assertEquals(0.5, next.value("user_converted_sessions_7d"), 1e-12);
        assertEquals(0.5 / 1.5, next.value("user_session_conversion_7d"), 1e-12);
    }

    /** The weight of something {@code minutes} old under a half-life of 7 days. */
    private static double week(int minutes) {
        return Math.pow(2, -minutes / (7 * 24 * 60.0));
    }

    private FeatureVector apply(ShopperEvent event) {
        return apply(event, ItemFeatures.NONE);
    }

    private FeatureVector apply(ShopperEvent event, ItemFeatures item) {
        return new FeatureVector(event.eventId(), event.userId(), event.type(), event.ts(), 1,
                user.apply(event, item, SETTINGS));
    }

    private static EventHeader header(String id, long ts) {
        return new EventHeader(id, ts, "u1", "s1");
    }
}
