package dev.flywheel.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelJsonTest {

    static ModelDescriptor descriptor() {
        return new ModelDescriptor("purchase-propensity", 3, "AB12", "input", List.of("user_views_1h", "item_ctr"),
                new OutputSpec("probabilities", List.of("no_purchase", "purchase"), "purchase", "P(purchase in 30 min)"),
                Map.of("auc", 0.81, "log_loss", 0.32),
                new ReferenceDistributions(List.of(0.01, 0.2, 0.9),
                        Map.of("item_ctr", new FeatureBins(List.of(0.1, 0.5), List.of(0.2, 0.5, 0.3))),
                        List.of(List.of(1.0, 0.2))),
                "trainer-run-7");
    }

    @Test
    void descriptorRoundTripsWithSnakeCaseFields() {
        byte[] json = ModelJson.encode(descriptor());
        String text = new String(json, StandardCharsets.UTF_8);
        assertThat(text).contains("\"input_tensor\":\"input\"", "\"score_quantiles\"", "\"feature_bins\"", "\"score_column\"");
        ModelDescriptor back = ModelJson.descriptor(json);
        assertThat(back).isEqualTo(descriptor());
        assertThat(back.sha256()).isEqualTo("ab12");
        assertThat(back.output().scoreIndex()).isEqualTo(1);
    }

    @Test
    void servingConfigAndVersionRoundTrip() {
        ModelDescriptor d = descriptor();
        ServingConfig config = new ServingConfig(d.name(), 4, List.of(
                new ServingVariant("champion", 3, 0.9, "http://r/models/x/versions/3/artifact", "ab", "input", d.inputs(), d.output()),
                new ServingVariant("challenger", 4, 0.1, "http://r/models/x/versions/4/artifact", "cd", "input", d.inputs(), d.output())),
                1234L);
        assertThat(ModelJson.servingConfig(ModelJson.encode(config))).isEqualTo(config);
        assertThat(config.variant("challenger").orElseThrow().version()).isEqualTo(4);
        ModelVersion version = new ModelVersion(d, ModelStatus.REJECTED, "NON_FINITE_OUTPUT", "row 0 gave NaN", 10, 1, 2);
        assertThat(ModelJson.modelVersion(ModelJson.encode(version))).isEqualTo(version);
    }

    @Test
    void unknownFieldsAreIgnoredForForwardCompatibility() {
        String json = new String(ModelJson.encode(descriptor()), StandardCharsets.UTF_8).replaceFirst("\\{", "{\"added_later\":7,");
        assertThat(ModelJson.descriptor(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(descriptor());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "../x", "a/b", "A", "x.y", "-x", "a\u0000", "\u2024\u2024"})
    void invalidModelNamesAreRefused(String name) {
        assertThat(ModelContracts.isValidModelName(name)).isFalse();
    }

    @Test
    void brokenRulesBecomeIllegalArgumentWithTheRule() {
        String json = new String(ModelJson.encode(descriptor()), StandardCharsets.UTF_8)
                .replace("\"score_column\":\"purchase\"", "\"score_column\":\"other\"");
        assertThatThrownBy(() -> ModelJson.descriptor(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("score_column 'other' is not one of");
        assertThatThrownBy(() -> ModelJson.descriptor("{\"name\":\"x\",\"name\":\"y\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Duplicate field");
        assertThatThrownBy(() -> ModelJson.descriptor("null".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
