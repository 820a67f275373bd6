package dev.flywheel.jobs.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MonitorConfigTest {

    @Test
    void defaultsNeedOnlyTheBrokers() {
        MonitorConfig config = MonitorConfig.fromArgs(new String[] {"--bootstrap", "localhost:9092"});
        MonitorSettings settings = config.settings();
        assertThat(config.models()).isEmpty();
        assertThat(config.decisionsTopic()).isEqualTo("decisions");
        assertThat(config.outcomesTopic()).isEqualTo("outcomes");
        assertThat(config.modelUpdatesTopic()).isEqualTo("model-updates");
        assertThat(config.modelHealthTopic()).isEqualTo("model-health");
        assertThat(config.retrainTopic()).isEqualTo("retrain-requests");
        assertThat(config.job().kafka().groupId()).isEqualTo("flywheel-monitor");
        assertThat(settings.window()).isEqualTo(Duration.ofMinutes(10));
        assertThat(settings.attribution()).isEqualTo(Duration.ofMinutes(30));
        assertThat(settings.driftFalseAlarmRate()).isEqualTo(0.01);
        assertThat(settings.sustainedWindows()).isEqualTo(2);
        assertThat(settings.cooldown()).isEqualTo(Duration.ofHours(6));
        assertThat(settings.retrainEvery()).isZero();
        assertThat(settings.verdictMinLabelled()).isEqualTo(1_000);
        assertThat(settings).isEqualTo(MonitorSettings.defaults(Duration.ofMinutes(10)));
    }

    @Test
    void windowsAndTriggersComeFromTheArguments() {
        MonitorConfig config = MonitorConfig.fromArgs(new String[] {"--bootstrap", "b:1", "--models", "a,b-2",
                "--window", "5min", "--retrain-every", "12h", "--drift-false-alarm-rate", "0.005",
                "--training-span", "1d", "--post-drift-span", "2h", "--retrain-models", "a",
                "--pulsar", "pulsar://p:6650"});
        assertThat(config.models()).containsExactly("a", "b-2");
        assertThat(config.settings().postDriftSpan()).isEqualTo(Duration.ofHours(2));
        assertThat(config.settings().retrains("a")).isTrue();
        assertThat(config.settings().retrains("b-2")).as("watched, not retrained").isFalse();
        assertThat(config.pulsar()).isEqualTo("pulsar://p:6650");
        assertThat(config.retrainPulsarTopic()).isEqualTo("persistent://public/default/retrain-requests");
        assertThat(config.settings().window()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.settings().retrainEvery()).isEqualTo(Duration.ofHours(12));
        assertThat(config.settings().driftFalseAlarmRate()).isEqualTo(0.005);
        assertThat(config.settings().trainingSpan()).isEqualTo(Duration.ofDays(1));
        // Windows align to the epoch, as Flink's tumbling windows do.
        assertThat(config.settings().windowStart(7 * 60_000 + 1)).isEqualTo(5 * 60_000);
        assertThat(config.settings().driftCloses(0)).isEqualTo(6 * 60_000);
        assertThat(config.settings().qualityCloses(0)).isEqualTo(36 * 60_000);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--window|0s|--window must be positive",
        "--drift-false-alarm-rate|1.5|--drift-false-alarm-rate must be between 0 and 1",
        "--drift-false-alarm-rate|often|--drift-false-alarm-rate must be a number",
        "--sustained-windows|0|--sustained-windows must be at least 1",
        "--training-span|1min|--training-span must be at least one --window",
        "--min-labelled|0|--min-labelled must be at least 1",
        "--post-drift-span|1min|--post-drift-span must be 0 (request at once) or at least one --window",
        "--pulsar|http://p:6650|--pulsar must be a pulsar:// or pulsar+ssl:// URL",
        "--models|Bad Name|--models: 'Bad Name' is not a model name",
        "--registry|ftp://r|--registry must be an http:// or https:// URL",
        "--clickstream-topic|x|unknown argument --clickstream-topic",
    })
    void refusesInconsistentValues(String name, String value, String message) {
        assertThatThrownBy(() -> MonitorConfig.fromArgs(new String[] {"--bootstrap", "b:1", name, value}))
                .isInstanceOf(InvalidJobArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void aBadArgumentIsOneLineAndExitStatusTwo() throws Exception {
        Process process = new ProcessBuilder(List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-cp", System.getProperty("java.class.path"), MonitorJob.class.getName(),
                "--bootstrap", "b:1", "--window", "soon"))
                .redirectErrorStream(true).start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        process.getInputStream().transferTo(output);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(output.toString(StandardCharsets.UTF_8).strip())
                .isEqualTo("flywheel-monitor: --window must be a duration like 500ms, 5s or 1min, got 'soon'");
    }
}
