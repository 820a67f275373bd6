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
    void anItemSilentForTheTtlStartsOver() {
        item.apply(new View(new EventHeader("e1", T0, "u1", "s"), "i", "c", 8.0), SETTINGS);
        ItemFeatures f = item.apply(new View(new EventHeader("e2", T0 + 24 * HOUR, "u1", "s"), "i", "c", null), SETTINGS);
        assertEquals(1, f.popularity1h());
        assertEquals(0, f.price());
    }
}
