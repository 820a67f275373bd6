package dev.flywheel.jobs.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScoringConfigTest {

    @Test
    void defaultsNeedOnlyTheBrokers() {
        ScoringConfig config = ScoringConfig.fromArgs(new String[] {"--bootstrap", "localhost:9092"});
        // Vectors travel inside decisions; a features topic is written only when asked for.
        assertThat(config.featuresTopic()).isNull();
        assertThat(config.decisionsTopic()).isEqualTo("decisions");
        assertThat(config.outcomesTopic()).isEqualTo("outcomes");
        assertThat(config.modelUpdatesTopic()).isEqualTo("model-updates");
        assertThat(config.models()).containsExactly("purchase-propensity");
        assertThat(config.attribution().window()).isEqualTo(Duration.ofMinutes(30));
        assertThat(config.returnWindow()).isZero();
        assertThat(config.bufferTimeout()).isEqualTo(Duration.ofMillis(5));
        assertThat(config.job().kafka().linger()).isEqualTo(Duration.ofMillis(5));
        assertThat(config.features().topCategories()).isEqualTo(16);
        assertThat(config.features().stateTtl()).isEqualTo(Duration.ofDays(30));
        assertThat(config.job().maxOutOfOrderness()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void featureSettingsComeFromTheArguments() {
        ScoringConfig config = ScoringConfig.fromArgs(new String[] {"--bootstrap", "b:1", "--top-categories", "4",
                "--state-ttl", "2h", "--max-out-of-orderness", "250ms"});
        assertThat(config.features().topCategories()).isEqualTo(4);
        assertThat(config.features().stateTtl()).isEqualTo(Duration.ofHours(2));
        assertThat(config.job().maxOutOfOrderness()).isEqualTo(Duration.ofMillis(250));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--top-categories|0|--top-categories must be positive",
        "--state-ttl|10min|--state-ttl must be at least the session gap",
        "--idleness|0s|--idleness must be positive",
        "--registry|ftp://r|--registry must be an http:// or https:// URL",
        "--models|Bad Name|--models: 'Bad Name' is not a model name",
        "--attribution-window|0s|--attribution-window must be positive",
        "--transaction-timeout|5min|--transaction-timeout (300 s) must exceed --checkpoint-interval + --checkpoint-timeout",
    })
    void refusesInconsistentValues(String name, String value, String message) {
        assertThatThrownBy(() -> ScoringConfig.fromArgs(new String[] {"--bootstrap", "b:1", name, value}))
                .isInstanceOf(InvalidJobArgumentException.class)
                .hasMessageContaining(message);
    }
}
