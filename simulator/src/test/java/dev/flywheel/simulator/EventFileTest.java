package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.events.Decoded;
import dev.flywheel.events.EventCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventFileTest {
    private static final int EVENTS = 3_000;
    private static final EventCodec CODEC = new EventCodec();

    @TempDir
    static Path dir;
    static Path inOrder;
    static Path byUser;

    @BeforeAll
    static void files() throws Exception {
        inOrder = UserHistoryFiles.inTimeOrder(dir, EVENTS);
        byUser = UserHistoryFiles.byUser(inOrder, dir);
    }

    @Test
    void aFileHoldingEachUsersHistoryInTurnIsFoundOutOfOrder() {
        EventFile.Order order = EventFile.check(byUser, EventFile.DEFAULT_TOLERANCE, CODEC);
        // Every user after the first starts behind the latest event of the ones before: most events are late.
        assertThat(order.inOrder()).isFalse();
        assertThat((double) order.outOfOrder() / (order.records() - order.rejected())).isGreaterThan(0.5);
        assertThat(order.describe()).contains("not in time order");
        assertThat(EventFile.check(inOrder, EventFile.DEFAULT_TOLERANCE, CODEC).outOfOrder()).isZero();
    }

    @Test
    void itIsSortedIntoTimeOrderKeepingEveryLineAndEachUsersOrder() throws Exception {
        List<byte[]> fileLines = UserHistoryFiles.lines(byUser);
        EventFile.Opened opened = EventFile.open(byUser, EventFile.DEFAULT_SORT_LIMIT, EventFile.DEFAULT_TOLERANCE, CODEC);
        assertThat(opened.sorted()).isTrue();
        List<KeyedRecord> sent = drain(opened.records());

        assertThat(sent).hasSameSizeAs(fileLines);
        assertThat(sent.stream().map(r -> new String(r.value(), StandardCharsets.ISO_8859_1)).sorted().toList())
                .isEqualTo(fileLines.stream().map(l -> new String(l, StandardCharsets.ISO_8859_1)).sorted().toList());
        long previous = Long.MIN_VALUE;
        for (KeyedRecord record : sent) {
            if (!record.malformed()) {
                assertThat(record.eventTimeMs()).isGreaterThanOrEqualTo(previous);
                previous = record.eventTimeMs();
            }
        }
        // Each user's events in the order the file gave them, keyed by the user.
        assertThat(byUserInOrder(sent)).isEqualTo(byUserInOrder(drain(EventFile.open(inOrder, 0,
                EventFile.DEFAULT_TOLERANCE, CODEC).records())));
        assertThat(sent.stream().filter(r -> !r.malformed()).allMatch(r -> r.key() != null)).isTrue();
        RecordCounts counts = opened.records().counts();
        assertThat(counts.total()).isEqualTo(fileLines.size());
        assertThat(counts.malformed()).isEqualTo(fileLines.stream().filter(l -> !(CODEC.decode(l) instanceof Decoded.Accepted)).count())
                .isPositive();
        assertThat(EventFile.check(inOrder, EventFile.DEFAULT_TOLERANCE, CODEC).records()).isEqualTo(fileLines.size());
    }

    @Test
    void aFileInTimeOrderIsStreamedAsItIsWhateverItsSize() throws Exception {
        // A sort limit of 0: an in-order file never needs one.
        EventFile.Opened opened = EventFile.open(inOrder, 0, EventFile.DEFAULT_TOLERANCE, CODEC);
        assertThat(opened.sorted()).isFalse();
        List<KeyedRecord> sent = drain(opened.records());
        List<byte[]> fileLines = UserHistoryFiles.lines(inOrder);
        assertThat(sent).hasSameSizeAs(fileLines);
        for (int i = 0; i < sent.size(); i++) {
            assertThat(sent.get(i).value()).isEqualTo(fileLines.get(i));
        }
    }

    @Test
    void anOutOfOrderFileLargerThanTheSortLimitIsRefusedWithAWayOut() {
        assertThatThrownBy(() -> EventFile.open(byUser, 1_000, EventFile.DEFAULT_TOLERANCE, CODEC))
                .isInstanceOf(EventFile.TooLargeToSortException.class)
                .hasMessageContaining("not in time order")
                .hasMessageContaining("more than the 1,000 records sorted in memory")
                .hasMessageContaining("sort it by ts first")
                .message().doesNotContain("\n");
    }

    private static List<KeyedRecord> drain(RecordStream records) {
        List<KeyedRecord> all = new ArrayList<>();
        records.forEachRemaining(all::add);
        return all;
    }

    private static Map<String, List<String>> byUserInOrder(List<KeyedRecord> records) {
        Map<String, List<String>> histories = new HashMap<>();
        for (KeyedRecord record : records) {
            if (!record.malformed()) {
                histories.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(new String(record.value(), StandardCharsets.UTF_8));
            }
        }
        return new LinkedHashMap<>(histories);
    }
}
