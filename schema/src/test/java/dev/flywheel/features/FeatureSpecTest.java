package dev.flywheel.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.events.EventType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FeatureSpecTest {

    private final FeatureSpec spec = FeatureSpec.current();

    @Test
    void coversEveryFamilyWithAtLeast24UniqueFeatures() {
        assertEquals(2, spec.version());
        assertEquals(66, spec.size());
        assertEquals(spec.size(), new HashSet<>(spec.names()).size());
        Set<FeatureFamily> families = EnumSet.noneOf(FeatureFamily.class);
        spec.features().forEach(feature -> families.add(feature.family()));
        assertEquals(EnumSet.allOf(FeatureFamily.class), families);
    }

    @Test
    void indexOfFollowsTheVectorOrder() {
        List<String> names = spec.names();
        for (int i = 0; i < names.size(); i++) {
            assertEquals(i, spec.indexOf(names.get(i)));
            assertTrue(spec.has(names.get(i)));
        }
        assertEquals(0, spec.indexOf("secs_since_last_event"));
        assertEquals(-1, spec.indexOf("no_such_feature"));
        assertFalse(spec.has("no_such_feature"));
    }

    @Test
    void aLaterVersionKeepsEveryEarlierFeatureWhereItWasWithItsMeaning() {
        FeatureSpec first = FeatureSpec.version(1);
        assertEquals(1, first.version());
        assertEquals(36, first.size());
        // Pinned by hand: a reordering or renaming of a published feature fails here, not in a model.
        assertEquals("secs_since_last_event", first.names().get(0));
        assertEquals("user_returns_7d", first.names().get(20));
        assertEquals("session_intent_score", first.names().get(30));
        assertEquals("item_price_vs_user_spend", first.names().get(35));
        assertEquals(first.features(), spec.features().subList(0, first.size()));
        assertEquals(first.features(), FeatureSpec.version(2).features().subList(0, first.size()));
        assertTrue(first.names().stream().allMatch(spec::has), "a version-1 model's inputs are all in the current spec");
        assertEquals("event_is_view", spec.names().get(36));
        assertFalse(first.has("session_cart_add_rate"));
    }

    @Test
    void unknownVersionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> FeatureSpec.version(0));
        assertThrows(IllegalArgumentException.class, () -> FeatureSpec.version(spec.version() + 1));
    }

    @Test
    void everyEventTypeHasItsFlag() {
        for (EventType type : EventType.values()) {
            assertTrue(spec.has("event_is_" + type.wireName()), type.wireName());
        }
    }

    @Test
    void defaultsFollowTheDefinitions() {
        double[] defaults = spec.defaults();
        assertEquals(-1, defaults[spec.indexOf("secs_since_last_purchase")]);
        assertEquals(1, defaults[spec.indexOf("item_price_vs_user_spend")]);
        assertEquals(0, defaults[spec.indexOf("user_views_7d")]);
    }

    @Test
    void documentedTableMatchesTheSpec() throws IOException {
        Path doc = Path.of("..", "docs", "features.md");
        String text = Files.readString(doc);
        assertTrue(text.contains("Spec version: **" + spec.version() + "**"), "docs/features.md names another version");
        assertTrue(text.contains(spec.markdownTable()),
                "docs/features.md is out of date; its table must read:\n" + spec.markdownTable());
    }
}
