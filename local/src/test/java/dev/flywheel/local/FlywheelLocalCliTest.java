package dev.flywheel.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

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

    private static String run(String... args) {
        StringWriter err = new StringWriter();
        int exit = FlywheelLocal.execute(args, new PrintWriter(err, true));
        assertThat(exit).as(err.toString()).isEqualTo(2);
        String[] lines = err.toString().split("\\R");
        assertThat(lines).as("one line").hasSize(1);
        return lines[0];
    }
}
