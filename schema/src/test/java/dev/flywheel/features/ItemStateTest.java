package dev.flywheel.features;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.Click;
import dev.flywheel.events.ShopperEvent.Purchase;
import dev.flywheel.events.ShopperEvent.View;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ItemStateTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000;
    private static final FeatureSettings SETTINGS = new FeatureSettings(16, Duration.ofDays(10));

    /** A user-stage vector of a session without a price level. */
    private static final double[] NO_USER = new double[FeatureSpec.current().size()];

    private final ItemState item = new ItemState();

    @Test
    void popularityDecaysAndConversionCountsPurchasesPerLook() {
        item.apply(new View(new EventHeader("e1", T0, "u1", "s"), "i", "c", 8.0), NO_USER, SETTINGS);
        item.apply(new Click(new EventHeader("e2", T0, "u2", "s"), "i", "c", null, null), NO_USER, SETTINGS);
        ItemFeatures f = item.apply(new Purchase(new EventHeader("e3", T0 + HOUR, "u2", "s"), "o", "i", "c", null, 1),
                NO_USER, SETTINGS);
        assertEquals(2 * 0.5 + 1, f.popularity1h(), 1e-12);
        double looks = 2 * Math.pow(2, -1.0 / (24 * 7));
        assertEquals(1 / (looks + 1), f.conversionRate7d(), 1e-12);
        assertEquals(8.0, f.price(), "a line without a price takes the item's last known one");
    }

    @Test
    void anOutOfOrderEventAddsWhatItWouldHaveAddedInOrder() {
        View early = new View(new EventHeader("e1", T0, "u1", "s"), "i", "c", 8.0);
        Purchase late = new Purchase(new EventHeader("e2", T0 + 3 * HOUR, "u2", "s"), "o", "i", "c", 9.0, 1);
        Click middle = new Click(new EventHeader("e3", T0 + HOUR, "u3", "s"), "i", "c", null, null);
        ItemState inOrder = new ItemState();
        inOrder.apply(early, NO_USER, SETTINGS);
        inOrder.apply(middle, NO_USER, SETTINGS);
        ItemFeatures expected = inOrder.apply(late, NO_USER, SETTINGS);

        item.apply(early, NO_USER, SETTINGS);
        item.apply(late, NO_USER, SETTINGS);
        assertEquals(true, item.isOutOfOrder(middle.ts()));
        ItemFeatures f = item.apply(middle, NO_USER, SETTINGS);

        // The decayed sums are the in-order ones, as of the newest event (3 h): order does not matter.
        assertEquals(expected.popularity1h(), f.popularity1h(), 1e-12);
        assertEquals(expected.popularity1d(), f.popularity1d(), 1e-12);
        assertEquals(expected.conversionRate7d(), f.conversionRate7d(), 1e-12);
        // The newest price stays; the older event keeps its own (none here, so the newest known).
        assertEquals(9.0, f.price());
        assertEquals(T0 + 3 * HOUR, item.lastEventTime);
    }

    @Test
    void peersAreTheEarlierSessionsThatLookedAtTheItemWithTheirPriceLevel() {
        ItemFeatures first = item.apply(new View(new EventHeader("e1", T0, "u1", "s1"), "i", "c", 8.0),
                sessionAtPriceLevel(Math.log(10)), SETTINGS);
        assertEquals(0, first.peerLooks7d(), "its own look is not a peer");
        ItemFeatures cart = item.apply(new ShopperEvent.AddToCart(new EventHeader("e2", T0, "u1", "s1"), "i", "c", 8.0, 1),
                sessionAtPriceLevel(Math.log(10)), SETTINGS);
        assertEquals(1, cart.peerLooks7d());
        ItemFeatures unpriced = item.apply(new Click(new EventHeader("e3", T0, "u2", "s2"), "i", "c", null, null),
                NO_USER, SETTINGS);
        assertEquals(1, unpriced.peerLooks7d());
        ItemFeatures third = item.apply(new View(new EventHeader("e4", T0, "u3", "s3"), "i", "c", 8.0),
                sessionAtPriceLevel(Math.log(30)), SETTINGS);
        assertEquals(1, third.peerLooks7d(), "a cart and a session without a price level add no peer");
        assertEquals(Math.log(10), third.peerLogPrice(), 1e-12);

        ItemFeatures later = item.apply(new View(new EventHeader("e5", T0 + 24 * HOUR * 7, "u4", "s4"), "i", "c", 16.0),
                sessionAtPriceLevel(Math.log(20)), SETTINGS);
        assertEquals(1, later.peerLooks7d(), 1e-12, "two peers, a week old: half each");
        assertEquals((Math.log(10) + Math.log(30)) / 2, later.peerLogPrice(), 1e-12);

        double[] vector = sessionAtPriceLevel(Math.log(20));
        later.writeInto(vector, 0);
        FeatureSpec spec = FeatureSpec.current();
        assertEquals(Math.log(16) - later.peerLogPrice(), vector[spec.indexOf("item_price_vs_peers")], 1e-12);
        assertEquals(Math.log(20) - later.peerLogPrice(), vector[spec.indexOf("session_price_vs_item_peers")], 1e-12);
        assertEquals(1, vector[spec.indexOf("item_peer_looks_7d")], 1e-12);

        double[] noPeers = sessionAtPriceLevel(Math.log(20));
        first.writeInto(noPeers, 0);
        assertEquals(0, noPeers[spec.indexOf("item_price_vs_peers")]);
        assertEquals(0, noPeers[spec.indexOf("session_price_vs_item_peers")]);
    }

    /** A user-stage vector of a session whose looks have this mean ln(price). */
    private static double[] sessionAtPriceLevel(double meanLogPrice) {
        double[] vector = new double[FeatureSpec.current().size()];
        vector[FeatureSpec.current().indexOf("session_priced_looks")] = 1;
        vector[FeatureSpec.current().indexOf("session_log_price_mean")] = meanLogPrice;
        return vector;
    }

    @Test
    void anItemSilentForTheTtlStartsOver() {
        item.apply(new View(new EventHeader("e1", T0, "u1", "s"), "i", "c", 8.0), NO_USER, SETTINGS);
        ItemFeatures f = item.apply(new View(new EventHeader("e2", T0 + SETTINGS.stateTtlMillis(), "u1", "s"), "i", "c", null), NO_USER, SETTINGS);
        assertEquals(1, f.popularity1h());
        assertEquals(0, f.price());
    }
}
