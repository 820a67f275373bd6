package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.Decoded;
import dev.flywheel.events.EventCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SimulatorCliTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "generate",
            "generate --out x.jsonl --users many",
            "generate --out x.jsonl --bootstrap localhost:9092",
            "generate --out x.jsonl --drift heatwave@2h",
            "generate --out x.jsonl --drift price_shock@2x",
            "generate --out x.jsonl --malformed-rate 1.5",
            "generate --out x.jsonl --events 10 --seconds 5",
            "generate --out x.jsonl --start yesterday",
            "replay-taobao --out x.jsonl --file /no/such/file.csv",
            "frobnicate"})
    void badArgumentsGiveOneLineAndANonZeroExit(String arguments) {
        StringWriter err = new StringWriter();
        String[] args = arguments.isEmpty() ? new String[0] : arguments.split(" ");

        int exit = SimulatorCli.execute(args, new PrintWriter(err, true));

        assertThat(exit).isNotZero();
        assertThat(err.toString().strip()).startsWith("flywheel-simulator: ").doesNotContain("\n").doesNotContain("\tat ");
    }

    @Test
    void generatesTheRequestedEventsWithExactlyTheRequestedMalformedOnes(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("events.jsonl");
        StringWriter err = new StringWriter();

        int exit = SimulatorCli.execute(new String[] {"generate", "--seed", "5", "--users", "1000", "--events", "2000",
                "--malformed-rate", "0.01", "--out", out.toString()}, new PrintWriter(err, true));

        assertThat(exit).as(err.toString()).isZero();
        // Bytes, not text: some malformed records are invalid UTF-8 on purpose.
        List<byte[]> lines = splitLines(Files.readAllBytes(out));
        EventCodec codec = new EventCodec();
        long accepted = lines.stream().filter(line -> codec.decode(line) instanceof Decoded.Accepted).count();
        assertThat(accepted).isEqualTo(1980);
        assertThat(lines).hasSizeGreaterThanOrEqualTo(2000);
        assertThat(err.toString()).contains("sent 2,000 events");
    }

    private static List<byte[]> splitLines(byte[] bytes) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                lines.add(Arrays.copyOfRange(bytes, start, i));
                start = i + 1;
            }
        }
        return lines;
    }
}
