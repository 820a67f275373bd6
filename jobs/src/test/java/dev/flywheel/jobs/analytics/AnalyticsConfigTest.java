package dev.flywheel.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import dev.flywheel.jobs.KafkaOptions;
import java.time.Duration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AnalyticsConfigTest {

    @Test
    void defaultsNeedOnlyTheBrokers() {
        AnalyticsConfig config = AnalyticsConfig.fromArgs(new String[] {"--bootstrap", "localhost:9092"});
        assertThat(config.job().kafka().bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(config.job().kafka().startingOffsets()).isEqualTo(KafkaOptions.StartingOffsets.COMMITTED);
        assertThat(config.job().kafka().delivery()).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        assertThat(config.window()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.job().clickstreamTopic()).isEqualTo("clickstream");
    }

    @Test
    void parsesEveryKindOfValue() {
        AnalyticsConfig config = AnalyticsConfig.fromArgs(new String[] {"--bootstrap", "b:1", "--delivery",
                "exactly-once", "--starting-offsets", "earliest", "--bounded", "true", "--window", "30s",
                "--max-out-of-orderness", "250ms", "--top-categories", "3", "--checkpoint-interval", "2s"});
        assertThat(config.job().kafka().delivery()).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        assertThat(config.job().kafka().startingOffsets()).isEqualTo(KafkaOptions.StartingOffsets.EARLIEST);
        assertThat(config.job().kafka().bounded()).isTrue();
        assertThat(config.window()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.job().maxOutOfOrderness()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.topCategories()).isEqualTo(3);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--window 1min                                           | --bootstrap is required",
        "--bootstrap b:1 --windw 1min                            | unknown argument --windw",
        "--bootstrap b:1 --window 0s                             | --window must be positive",
        "--bootstrap b:1 --window soon                           | --window must be a duration",
        "--bootstrap b:1 --top-categories many                   | --top-categories must be a whole number",
        "--bootstrap b:1 --delivery twice                        | --delivery must be one of",
        "--bootstrap b:1 --bounded maybe                         | --bounded must be true or false",
        "--bootstrap b:1 --shards 0                              | --shards must be positive",
        "--bootstrap b:1 --delivery exactly-once --checkpoint-interval 10min --transaction-timeout 15min"
                + " | --transaction-timeout (900 s) must exceed --checkpoint-interval + --checkpoint-timeout",
    })
    void inconsistentOrMalformedArgumentsFailWithOneLine(String args, String message) {
        assertThatThrownBy(() -> AnalyticsConfig.fromArgs(args.trim().split("\\s+")))
                .isInstanceOf(InvalidJobArgumentException.class)
                .hasMessageContaining(message.trim())
                .hasMessageNotContaining("\n");
    }
}
