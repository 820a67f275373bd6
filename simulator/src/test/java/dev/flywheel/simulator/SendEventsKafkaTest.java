package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.events.Decoded;
import dev.flywheel.events.EventCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/send-events.sh} against a real broker, with a file holding each user's whole
 * history in turn: what arrives is every line, keyed by user, and in event-time order within every
 * partition, which is what the jobs' watermarks need; a file too large to sort sends nothing.
 */
class SendEventsKafkaTest {
    private static final Duration READ = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static Path byUser;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start();
        byUser = UserHistoryFiles.byUser(UserHistoryFiles.inTimeOrder(dir, 2_000), dir);
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void aUserByUserFileArrivesInTimeOrderInEveryPartition() throws Exception {
        kafka.createTopic("shop-clicks", 4);
        StringWriter err = new StringWriter();
        int exit = SimulatorCli.execute(new String[] {"send-events", "--file", byUser.toString(), "--bootstrap",
                kafka.bootstrapServers(), "--topic", "shop-clicks", "--rate", "0"}, new PrintWriter(err, true));
        assertThat(exit).as(err.toString()).isZero();
        assertThat(err.toString()).contains("not in time order").contains("sorted by ts in memory");

        List<byte[]> lines = UserHistoryFiles.lines(byUser);
        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("shop-clicks", READ);
        assertThat(records).hasSameSizeAs(lines);
        EventCodec codec = new EventCodec();
        Map<Integer, Long> latestByPartition = new HashMap<>();
        long inOrder = 0;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (codec.decode(record.value()) instanceof Decoded.Accepted accepted) {
                assertThat(new String(record.key())).isEqualTo(accepted.event().userId());
                long latest = latestByPartition.getOrDefault(record.partition(), Long.MIN_VALUE);
                assertThat(accepted.event().ts()).as("partition %d offset %d", record.partition(), record.offset())
                        .isGreaterThanOrEqualTo(latest);
                latestByPartition.put(record.partition(), accepted.event().ts());
                inOrder++;
            }
        }
        assertThat(inOrder).isGreaterThan(lines.size() * 9L / 10);
        assertThat(latestByPartition).hasSizeGreaterThan(1);
    }

    @Test
    void aFileTooLargeToSortIsRefusedInOneLineAndNothingIsSent() {
        kafka.createTopic("refused-clicks", 2);
        StringWriter err = new StringWriter();
        int exit = SimulatorCli.execute(new String[] {"send-events", "--file", byUser.toString(), "--bootstrap",
                kafka.bootstrapServers(), "--topic", "refused-clicks", "--sort-limit", "100"}, new PrintWriter(err, true));
        assertThat(exit).isNotZero();
        assertThat(err.toString().strip()).startsWith("flywheel-simulator: ").contains("sort it by ts first").doesNotContain("\n");
        assertThat(kafka.count("refused-clicks")).isZero();
    }
}
