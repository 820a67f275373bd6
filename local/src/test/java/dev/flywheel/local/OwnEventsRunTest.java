package dev.flywheel.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.events.Decoded;
import dev.flywheel.events.EventCodec;
import dev.flywheel.simulator.EventFile;
import dev.flywheel.simulator.SimulatorCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run-local.sh --events FILE --bootstrap ... --*-topic ...}: a user's own file on a user's
 * own Kafka (here a broker the test starts) under topic names of the user's choosing. The file
 * holds each user's whole history in turn, the export shape that, replayed in file order, sent 80%
 * of a real export to {@code clickstream.late}; the run sorts it, the jobs read every record, and
 * the final summary reports no late event.
 */
class OwnEventsRunTest {
    private static final Pattern SUMMARY = Pattern.compile(
            "stopped after .*: sent ([\\d,]+) records .*analytics parsed ([\\d,]+) \\([^)]*\\), ([\\d,]+) dead-lettered,"
                    + " .* late: ([\\d,]+) events \\(analytics\\).*");

    @TempDir
    Path dir;

    @Test
    void aUserByUserFileOnTheUsersKafkaIsSortedAndNothingArrivesLate() throws Exception {
        Path file = byUserFile();
        List<String> lines = lines(file);
        EventFile.Order order = EventFile.check(file, EventFile.DEFAULT_TOLERANCE, new EventCodec());
        // The file really is out of order by more than the jobs tolerate: most events trail an earlier user's.
        assertThat((double) order.outOfOrder() / (order.records() - order.rejected())).isGreaterThan(0.5);

        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            StringWriter err = new StringWriter();
            int exit = FlywheelLocal.execute(new String[] {"--events", file.toString(), "--bootstrap", kafka.bootstrapServers(),
                    "--clickstream-topic", "shop-clicks", "--dlq-topic", "shop-clicks.dlq", "--late-topic", "shop-clicks.late",
                    "--analytics-topic", "shop-analytics", "--decisions-topic", "shop-decisions", "--outcomes-topic", "shop-outcomes",
                    "--rate", "5000", "--ui-port", "0", "--registry-port", "0", "--registry-store", dir.resolve("registry").toString()},
                    new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintWriter(err, true));
            String output = stdout.toString(StandardCharsets.UTF_8);
            output.lines().filter(l -> l.contains("time order") || l.startsWith("all ") || l.startsWith("stopped after"))
                    .forEach(System.out::println);
            assertThat(exit).as(err + output).isZero();
            assertThat(output).contains("not in time order").contains("sorted by ts in memory");

            String summary = output.lines().filter(l -> l.startsWith("stopped after")).reduce((a, b) -> b).orElseThrow();
            Matcher figures = SUMMARY.matcher(summary);
            assertThat(figures.matches()).as(summary).isTrue();
            assertThat(number(figures.group(1))).isEqualTo(lines.size());
            assertThat(number(figures.group(2))).as("every record read by the analytics job").isEqualTo(lines.size());
            assertThat(number(figures.group(4))).as("late events").isZero();

            // Everything went to the user's topics, none to the project's default names.
            assertThat(kafka.count("shop-clicks")).isEqualTo(lines.size());
            assertThat(kafka.count("shop-clicks.late")).isZero();
            long malformed = lines.stream().filter(l -> !(new EventCodec().decode(l.getBytes(StandardCharsets.ISO_8859_1))
                    instanceof Decoded.Accepted)).count();
            assertThat(malformed).isPositive();
            // Both jobs dead-letter each rejected record; the summary counts each record once.
            assertThat(kafka.count("shop-clicks.dlq")).isEqualTo(2 * malformed);
            assertThat(number(figures.group(3))).isEqualTo(malformed);
            assertThat(kafka.count("shop-decisions")).isPositive();
            Set<String> topics = kafka.admin().listTopics().names().get(60, TimeUnit.SECONDS);
            assertThat(topics).contains("shop-analytics", "shop-outcomes").doesNotContain("clickstream", "decisions");
        }
    }

    private static long number(String text) {
        return Long.parseLong(text.replace(",", ""));
    }

    /** The simulator's traffic over a couple of simulated hours, rewritten one user's history after another. */
    private Path byUserFile() throws Exception {
        Path inOrder = dir.resolve("in-order.jsonl");
        StringWriter err = new StringWriter();
        int exit = SimulatorCli.execute(new String[] {"generate", "--seed", "17", "--users", "500", "--events", "6000",
                "--malformed-rate", "0.01", "--out", inOrder.toString()}, new PrintWriter(err, true));
        assertThat(exit).as(err.toString()).isZero();
        EventCodec codec = new EventCodec();
        Map<String, List<String>> byUser = new LinkedHashMap<>();
        List<String> malformed = new ArrayList<>();
        // ISO-8859-1 keeps every byte as it is, invalid UTF-8 of the malformed records included.
        for (String line : lines(inOrder)) {
            if (codec.decode(line.getBytes(StandardCharsets.ISO_8859_1)) instanceof Decoded.Accepted accepted) {
                byUser.computeIfAbsent(accepted.event().userId(), u -> new ArrayList<>()).add(line);
            } else {
                malformed.add(line);
            }
        }
        List<String> rewritten = new ArrayList<>();
        byUser.values().forEach(rewritten::addAll);
        rewritten.addAll(malformed);
        Path file = dir.resolve("by-user.jsonl");
        Files.writeString(file, String.join("\n", rewritten) + "\n", StandardCharsets.ISO_8859_1);
        return file;
    }

    /**
     * Non-blank lines split where EventFile splits them, at '\n' only, each byte kept as a char
     * (ISO-8859-1), so invalid UTF-8 in the malformed records survives the round trip.
     */
    private static List<String> lines(Path file) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String line : Files.readString(file, StandardCharsets.ISO_8859_1).split("\n", -1)) {
            String trimmed = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (!trimmed.replace('\t', ' ').isBlank()) {
                lines.add(trimmed);
            }
        }
        return lines;
    }
}
