package dev.flywheel.jobs.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.EventHeader;
import dev.flywheel.events.EventType;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.AddToCart;
import dev.flywheel.events.ShopperEvent.AddToWishlist;
import dev.flywheel.events.ShopperEvent.Click;
import dev.flywheel.events.ShopperEvent.Purchase;
import dev.flywheel.events.ShopperEvent.RemoveFromCart;
import dev.flywheel.events.ShopperEvent.Return;
import dev.flywheel.events.ShopperEvent.Search;
import dev.flywheel.events.ShopperEvent.View;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class ShopperEventSerializerTest {

    private static final EventHeader HEADER = new EventHeader("e-1", 1_767_225_600_000L, "u-1", "s-1");
    private static final EventHeader WITH_EXTRAS =
            new EventHeader("e-2", 1_767_225_600_001L, "u-2", "s-2", "{\"ab\":\"b\",\"n\":[1,2]}");

    static List<ShopperEvent> oneOfEach() {
        return List.of(
                new View(HEADER, "i-1", "shoes", 19.99),
                new View(WITH_EXTRAS, "i-1", "shoes", null),
                new Search(HEADER, "red running shoes", List.of("i-1", "i-2", "i-3"), "r-1"),
                new Search(WITH_EXTRAS, "ümlaut \uD83D\uDC5F", List.of(), "r-2"),
                new Click(HEADER, "i-2", "shoes", 25.0, "r-1"),
                new Click(HEADER, "i-2", "shoes", null, null),
                new AddToCart(HEADER, "i-2", "shoes", 25.0, 2),
                new RemoveFromCart(HEADER, "i-2", "shoes", 25.0, 1),
                new AddToWishlist(HEADER, "i-3", "bags", null),
                new Purchase(HEADER, "o-1", "i-2", "shoes", 25.0, 1),
                new Return(WITH_EXTRAS, "o-1", "i-2", "shoes", 25.0, 1));
    }

    @Test
    void everyEventTypeSurvivesARoundTrip() throws IOException {
        List<ShopperEvent> events = oneOfEach();
        Set<EventType> covered = events.stream().map(ShopperEvent::type).collect(Collectors.toSet());
        assertThat(covered).containsExactlyInAnyOrder(EventType.values());

        DataOutputSerializer out = new DataOutputSerializer(256);
        for (ShopperEvent event : events) {
            ShopperEventSerializer.INSTANCE.serialize(event, out);
        }
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        for (ShopperEvent expected : events) {
            assertThat(ShopperEventSerializer.INSTANCE.deserialize(in)).isEqualTo(expected);
        }
        assertThat(in.available()).isZero();
    }

    @Test
    void streamCopyProducesTheSameBytes() throws IOException {
        DataOutputSerializer original = new DataOutputSerializer(256);
        for (ShopperEvent event : oneOfEach()) {
            ShopperEventSerializer.INSTANCE.serialize(event, original);
        }
        byte[] bytes = original.getCopyOfBuffer();
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        DataOutputSerializer copy = new DataOutputSerializer(256);
        for (int i = 0; i < oneOfEach().size(); i++) {
            ShopperEventSerializer.INSTANCE.copy(in, copy);
        }
        assertThat(copy.getCopyOfBuffer()).isEqualTo(bytes);
    }

    @Test
    void snapshotRestoresACompatibleSerializer() throws IOException {
        TypeSerializerSnapshot<ShopperEvent> snapshot = ShopperEventSerializer.INSTANCE.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        TypeSerializerSnapshot<ShopperEvent> restored = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());

        TypeSerializer<ShopperEvent> serializer = restored.restoreSerializer();
        assertThat(serializer).isEqualTo(ShopperEventSerializer.INSTANCE);
        TypeSerializerSchemaCompatibility<ShopperEvent> compatibility =
                ShopperEventSerializer.INSTANCE.snapshotConfiguration().resolveSchemaCompatibility(restored);
        assertThat(compatibility.isCompatibleAsIs()).isTrue();
    }

    @Test
    void tagsAreTheEnumOrdinalsSoTheEnumMustOnlyGrowAtTheEnd() {
        // Savepoints store the ordinal as the type tag: this list is the on-disk contract.
        assertThat(Arrays.stream(EventType.values()).map(EventType::wireName)).containsExactly(
                "view", "search", "click", "add_to_cart", "remove_from_cart", "add_to_wishlist", "purchase", "return");
    }
}
