package dev.flywheel.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.flywheel.events.EventType;
import dev.flywheel.outcomes.Outcome;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The JSON other teams' consumers read: what is written reads back bit for bit, in Jackson's own number text. */
class DecisionJsonTest {
    private final DecisionJson json = new DecisionJson();

    @Test
    void decisionsAndOutcomesReadBackExactly() {
        Decision decision = decision(new double[] {-1, 0, 1, 2.5, -0.0, 1e-300, Double.MAX_VALUE, 784.123, 9_999_999,
                10_000_000, -3});
        assertThat(json.decodeDecision(json.encode(decision))).isEqualTo(decision);

        Outcome positive = new Outcome(decision, true, decision.eventTime() + 60_000, 1_800_000, "o-1", 2, 3_600_000);
        Outcome negative = new Outcome(decision, false, decision.eventTime() + 1_800_000, 1_800_000, null, 0, 0);
        assertThat(json.decodeOutcome(json.encode(positive))).isEqualTo(positive);
        assertThat(json.decodeOutcome(json.encode(negative))).isEqualTo(negative);
    }

    @Test
    void everyFeatureValueIsWrittenAsJacksonWritesItAndReadsBackBitForBit() throws Exception {
        SplittableRandom random = new SplittableRandom(5);
        List<Double> values = new ArrayList<>(List.of(0.0, -0.0, 1.0, -1.0, 9_999_999.0, -9_999_999.0, 10_000_000.0,
                -10_000_000.0, 1e15, 1e16, 9.007199254740993e15, Long.MAX_VALUE * 1.0, Long.MIN_VALUE * 1.0,
                Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, 0.001, 0.0009999, 123.456));
        for (int i = 0; i < 20_000; i++) {
            values.add((double) random.nextLong(-20_000_000, 20_000_000));      // whole numbers, both sides of 1e7
            values.add(random.nextDouble(-1e4, 1e4));                            // fractions
            values.add(Double.longBitsToDouble(random.nextLong()));              // anything a double can hold
        }
        values.removeIf(v -> !Double.isFinite(v)); // not JSON numbers; features are finite
        double[] features = values.stream().mapToDouble(Double::doubleValue).toArray();
        Decision decision = decision(features);

        String written = new String(json.encode(decision), StandardCharsets.UTF_8);
        assertThat(written).contains("\"features\":" + jacksonArray(features) + ",");
        assertThat(json.decodeDecision(json.encode(decision)).features()).isEqualTo(features);
    }

    /** The array as the Jackson generator DecisionJson is built on writes it, one writeNumber per value. */
    private static String jacksonArray(double[] values) throws Exception {
        StringWriter text = new StringWriter();
        try (JsonGenerator out = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build()
                .createGenerator(text)) {
            out.writeArray(values, 0, values.length);
        }
        return text.toString();
    }

    private static Decision decision(double[] features) {
        return new Decision("e-1/purchase-propensity/3", "e-1", EventType.VIEW, "u-1", "s-1", "i-9",
                "purchase-propensity", 3, "champion", 0.1843f, 1, features, 1_767_225_600_000L, 1_767_225_600_012L);
    }
}
