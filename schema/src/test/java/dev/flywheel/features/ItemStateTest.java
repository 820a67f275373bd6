package dev.flywheel.features;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent.Click;
import dev.flywheel.events.ShopperEvent.Purchase;
import dev.flywheel.events.ShopperEvent.View;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ItemStateTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000;
    private static final FeatureSettings SETTINGS = new FeatureSettings(16, Duration.ofDays(1));

    private final ItemState item = new ItemState();

    @Test
    void popularityDecaysAndConversionCountsPurchasesPerLook() {
        item.apply(new View(new EventHeader("e1", T0, "u1", "s"), "i", "c", 8.0), SETTINGS);
        item.apply(new Click(new EventHeader("e2", T0, "u2", "s"), "i", "c", null, null), SETTINGS);
        ItemFeatures f = item.apply(new Purchase(new EventHeader("e3", T0 + HOUR, "u2", "s"), "o", "i", "c", null, 1),
                SETTINGS);
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
        inOrder.apply(early, SETTINGS);
        inOrder.apply(middle, SETTINGS);
        ItemFeatures expected = inOrder.apply(late, SETTINGS);

        item.apply(early, SETTINGS);
        item.apply(late, SETTINGS);
        assertEquals(true, item.isOutOfOrder(middle.ts()));
        ItemFeatures f = item.apply(middle, SETTINGS);

        // The decayed sums are the in-order ones, as of the newest event (3 h): order does not matter.
        assertEquals(expected.popularity1h(), f.popularity1h(), 1e-12);
        assertEquals(expected.popularity1d(), f.popularity1d(), 1e-12);
        assertEquals(expected.conversionRate7d(), f.conversionRate7d(), 1e-12);
        // The newest price stays; the older event keeps its own (none here, so the newest known).
        assertEquals(9.0, f.price());
        assertEquals(T0 + 3 * HOUR, item.lastEventTime);
    }

    @Test
    void anItemSilentForTheTtlStartsOver() {
        item.apply(new View(new EventHeader("e1", T0, "u1", "s"), "i", "c", 8.0), SETTINGS);
        ItemFeatures f = item.apply(new View(new EventHeader("e2", T0 + 24 * HOUR, "u1", "s"), "i", "c", null), SETTINGS);
        assertEquals(1, f.popularity1h());
        assertEquals(0, f.price());
    }
}
