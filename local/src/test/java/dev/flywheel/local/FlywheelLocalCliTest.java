package dev.flywheel.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad arguments: one line, exit 2, before anything starts. */
class FlywheelLocalCliTest {

    @Test
    void promotingNeedsAChallenger() {
        assertThat(run("--promote-after", "10")).isEqualTo("run-local: --promote-after needs --challenger (see --help)");
    }

    @Test
    void aChallengerShareIsAFractionOfShoppers() {
        assertThat(run("--challenger", "20")).startsWith("run-local: --challenger must be a share between 0 and 1");
        assertThat(run("--challenger", "0.2", "--promote-after", "60", "--seconds", "30"))
                .isEqualTo("run-local: --promote-after must be less than --seconds (see --help)");
    }

    @Test
    void anUnknownOption() {
        assertThat(run("--bogus")).startsWith("run-local: Unknown option: '--bogus'");
    }

    @Test
    void aWarmupTooShortForAHoldoutIsRefusedBeforeTheStackStarts() {
        // 20,000 events are about 30 simulated minutes: the label-window cuts leave no holdout.
        assertThat(run("--warmup-events", "20000"))
                .startsWith("run-local: --warmup-events 20000 is too short for a holdout: too little data: the split leaves");
    }

    @Test
    void eventsNeedAReadableFileAndOneSource(@TempDir Path dir) throws Exception {
        assertThat(run("--events", "/no/such/events.jsonl")).isEqualTo("run-local: --events: cannot read /no/such/events.jsonl (see --help)");
        Path file = Files.writeString(dir.resolve("e.jsonl"), "{}\n");
        assertThat(run("--events", file.toString(), "--taobao", file.toString()))
                .isEqualTo("run-local: --events and --taobao are two sources: give one (see --help)");
        assertThat(run("--events", file.toString(), "--drift", "price_shock@1h"))
                .isEqualTo("run-local: --drift shapes simulated traffic, not --events (see --help)");
    }

    @Test
    void topicNamesAreKafkaNamesAndDistinct() {
        assertThat(run("--clickstream-topic", "my clicks")).isEqualTo("run-local: not a Kafka topic name: 'my clicks' (see --help)");
        assertThat(run("--decisions-topic", "outcomes")).startsWith("run-local: each topic needs a name of its own");
    }

    @Test
    void anOutOfOrderFileTooLargeToSortIsRefusedBeforeTrainingStarts(@TempDir Path dir) throws Exception {
        String later = "{\"event_id\":\"e1\",\"type\":\"view\",\"ts\":1767229200000,\"user_id\":\"u1\",\"session_id\":\"s1\",\"item_id\":\"i1\",\"category\":\"c1\"}";
        String earlier = "{\"event_id\":\"e2\",\"type\":\"view\",\"ts\":1767225600000,\"user_id\":\"u2\",\"session_id\":\"s2\",\"item_id\":\"i1\",\"category\":\"c1\"}";
        Path file = Files.writeString(dir.resolve("by-user.jsonl"), later + "\n" + earlier + "\n");
        StringWriter err = new StringWriter();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int exit = FlywheelLocal.execute(new String[] {"--events", file.toString(), "--sort-limit", "1"},
                new java.io.PrintStream(out, true), new PrintWriter(err, true));
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString().split("\\R")).hasSize(1);
        assertThat(err.toString()).startsWith("run-local: " + file + ": 2 records, not in time order: 1 events (50%)")
                .contains("sort it by ts first");
        assertThat(out.toString()).doesNotContain("warm-up");
    }

    private static String run(String... args) {
        StringWriter err = new StringWriter();
        int exit = FlywheelLocal.execute(args, new PrintWriter(err, true));
        assertThat(exit).as(err.toString()).isEqualTo(2);
        String[] lines = err.toString().split("\\R");
        assertThat(lines).as("one line").hasSize(1);
        return lines[0];
    }
}
