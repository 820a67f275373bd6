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
        assertThat(config.featuresTopic()).isEqualTo("features");
        assertThat(config.job().lateTopic()).isEqualTo("clickstream.late");
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
    })
    void refusesInconsistentValues(String name, String value, String message) {
        assertThatThrownBy(() -> ScoringConfig.fromArgs(new String[] {"--bootstrap", "b:1", name, value}))
                .isInstanceOf(InvalidJobArgumentException.class)
                .hasMessageContaining(message);
    }
}
