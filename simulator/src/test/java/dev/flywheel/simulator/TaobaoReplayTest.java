package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flywheel.events.EventType;
import dev.flywheel.events.ShopperEvent;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TaobaoReplayTest {

    @Test
    void mapsEveryBehaviourAndCutsSessionsAfterThirtyMinutes() {
        String csv = """
                1,100,7,pv,1511658000
                1,101,7,cart,1511658060
                2,200,8,fav,1511658100
                1,101,7,buy,1511659800
                1,102,7,pv,1511661601
                """;
        List<ReplayRecord> records = replay(csv);

        assertThat(records).allMatch(r -> r instanceof ReplayRecord.Mapped);
        List<ShopperEvent> events = records.stream().map(r -> ((ReplayRecord.Mapped) r).event()).toList();
        assertThat(events).extracting(ShopperEvent::type).containsExactly(
                EventType.VIEW, EventType.ADD_TO_CART, EventType.ADD_TO_WISHLIST, EventType.PURCHASE, EventType.VIEW);
        assertThat(events).extracting(ShopperEvent::eventId).containsExactly("tb-1", "tb-2", "tb-3", "tb-4", "tb-5");
        // 1511659800 - 1511658060 is exactly 29 minutes; 1511661601 - 1511659800 is 30 minutes and a second.
        assertThat(events).extracting(ShopperEvent::sessionId).containsExactly("1-1", "1-1", "2-1", "1-1", "1-2");
        ShopperEvent.Purchase purchase = (ShopperEvent.Purchase) events.get(3);
        assertThat(purchase.orderId()).isEqualTo("tb-1-1511659800-101");
        assertThat(purchase.quantity()).isEqualTo(1);
        assertThat(purchase.price()).isNull();
        assertThat(purchase.category()).isEqualTo("7");
        assertThat(purchase.ts()).isEqualTo(1511659800_000L);
        assertThat(((ShopperEvent.AddToCart) events.get(1)).quantity()).isEqualTo(1);
    }

    @Test
    void keepsRowsItCannotMapAsTheirExactBytes() {
        String csv = "1,100,7,pv,1511658000\r\n"
                + "1,100,7,pv\n"
                + "1,100,7,like,1511658001\n"
                + "1,1x0,7,pv,1511658002\n"
                + "\n"
                + "1,100,7,fav,1511658003";
        List<ReplayRecord> records = replay(csv);

        assertThat(records).hasSize(5);
        assertThat(records.get(0)).isInstanceOf(ReplayRecord.Mapped.class);
        assertThat(records.subList(1, 4)).allMatch(r -> r instanceof ReplayRecord.Unmapped);
        assertThat(records.subList(1, 4)).extracting(r -> ((ReplayRecord.Unmapped) r).reason()).containsExactly(
                TaobaoReplay.WRONG_COLUMN_COUNT, TaobaoReplay.UNKNOWN_BEHAVIOR, TaobaoReplay.NOT_A_NUMBER);
        assertThat(new String(((ReplayRecord.Unmapped) records.get(1)).raw(), StandardCharsets.UTF_8))
                .isEqualTo("1,100,7,pv");
        // The empty line is not a row, but line numbers (and so event ids) stay those of the file.
        assertThat(records.get(4).rowNumber()).isEqualTo(6);
        assertThat(((ReplayRecord.Mapped) records.get(4)).event().eventId()).isEqualTo("tb-6");
    }

    @Test
    void replaysTheWholeSampleWithItsBehaviourCounts() {
        Optional<Path> file = SharedData.file(SharedData.TAOBAO);
        assumeTrue(file.isPresent(), "Taobao sample not found: set -Dflywheel.data.dir or place "
                + SharedData.TAOBAO + " in ../shared/data");
        Map<EventType, Long> counts = new EnumMap<>(EventType.class);
        long unmapped = 0;
        long previousTs = Long.MIN_VALUE;
        long sessions = 0;
        try (TaobaoReplay replay = TaobaoReplay.open(file.get())) {
            while (replay.hasNext()) {
                ReplayRecord record = replay.next();
                if (record instanceof ReplayRecord.Mapped mapped) {
                    counts.merge(mapped.event().type(), 1L, Long::sum);
                    assertThat(mapped.event().ts()).isGreaterThanOrEqualTo(previousTs);
                    previousTs = mapped.event().ts();
                    sessions += mapped.event().sessionId().endsWith("-1") ? 0 : 1;
                } else {
                    unmapped++;
                }
            }
        }
        assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of(
                EventType.VIEW, 98_361L,
                EventType.ADD_TO_CART, 6_063L,
                EventType.ADD_TO_WISHLIST, 3_383L,
                EventType.PURCHASE, 2_493L));
        assertThat(unmapped).isZero();
        assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(110_300L);
        System.out.println("taobao replay: " + counts + ", events in a user's second or later session: " + sessions);
    }

    private static List<ReplayRecord> replay(String csv) {
        List<ReplayRecord> records = new ArrayList<>();
        try (TaobaoReplay replay = new TaobaoReplay(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)))) {
            replay.forEachRemaining(records::add);
        }
        return records;
    }
}
