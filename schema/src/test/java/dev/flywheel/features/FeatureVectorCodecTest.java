package dev.flywheel.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flywheel.events.EventType;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FeatureVectorCodecTest {
    private final FeatureVectorCodec codec = new FeatureVectorCodec();

    @Test
    void roundTripKeepsEveryBitOfTheValues() {
        double[] values = {0.1 + 0.2, -1, 1e-300, Double.MIN_VALUE, 123456789.123456789, 0, 2.0 / 3};
        FeatureVector vector = new FeatureVector("e-1", "u-\"1\"", EventType.ADD_TO_CART, 1_700_000_000_123L, 1, values);

        FeatureVector decoded = codec.decode(codec.encode(vector));

        assertEquals(vector, decoded);
        for (int i = 0; i < values.length; i++) {
            assertEquals(Double.doubleToLongBits(values[i]), Double.doubleToLongBits(decoded.values()[i]));
        }
    }

    @Test
    void writesTheDocumentedShape() {
        FeatureVector vector = new FeatureVector("e", "u", EventType.VIEW, 5, 1, new double[] {1.5, -1});
        assertEquals("{\"event_id\":\"e\",\"user_id\":\"u\",\"type\":\"view\",\"ts\":5,\"spec_version\":1,\"values\":[1.5,-1.0]}",
                new String(codec.encode(vector), StandardCharsets.UTF_8));
        assertArrayEquals(new double[] {1.5, -1}, codec.decode(codec.encode(vector)).values());
    }

    @Test
    void refusesIncompleteRecords() {
        assertThrows(IllegalArgumentException.class,
                () -> codec.decode("{\"event_id\":\"e\"}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> codec.decode("[1]".getBytes(StandardCharsets.UTF_8)));
    }
}
