package dev.flywheel.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.EventHeader;
import dev.flywheel.events.EventType;
import dev.flywheel.events.ShopperEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class MinuteAnalyticsTest {

    private static final long MINUTE = 1_767_225_600_000L;

    private static EventHeader header(String user, String session) {
        return new EventHeader(user + session + System.nanoTime(), MINUTE + 1, user, session);
    }

    @Test
    void shardTotalsAddUpToTheMinuteWithDistinctSessionsAndTopCategories() {
        MinuteStats shardA = new MinuteStats();
        shardA.add(new ShopperEvent.View(header("u1", "s1"), "i1", "shoes", 10.0));
        shardA.add(new ShopperEvent.View(header("u1", "s1"), "i2", "shoes", 12.0));
        shardA.add(new ShopperEvent.Purchase(header("u1", "s1"), "o1", "i2", "shoes", 12.0, 2));
        // Same session id, other user: a different session.
        shardA.add(new ShopperEvent.Search(header("u2", "s1"), "bag", List.of("i7"), "r1"));
        MinuteStats shardB = new MinuteStats();
        shardB.add(new ShopperEvent.View(header("u3", "s9"), "i7", "bags", null));
        shardB.add(new ShopperEvent.Purchase(header("u3", "s9"), "o2", "i7", "bags", null, 1));
        shardB.add(new ShopperEvent.Return(header("u4", "s4"), "o0", "i1", "shoes", 10.0, 1));

        MinutePartial total = MinutePartial.sum(MinutePartial.of(MINUTE, MINUTE + 60_000, shardA),
                MinutePartial.of(MINUTE, MINUTE + 60_000, shardB));
        MinuteAnalytics minute = ToMinuteAnalytics.toAnalytics(total, 1);

        assertThat(minute.events()).isEqualTo(7);
        assertThat(minute.eventsByType()).containsEntry("view", 3L).containsEntry("purchase", 2L)
                .containsEntry("search", 1L).containsEntry("return", 1L).containsEntry("click", 0L)
                .hasSize(EventType.values().length);
        assertThat(minute.sessions()).isEqualTo(4);
        assertThat(minute.buyingSessions()).isEqualTo(2);
        assertThat(minute.conversionRate()).isEqualTo(0.5);
        assertThat(minute.revenue()).isEqualTo(24.0); // the unpriced purchase adds units, not revenue
        assertThat(minute.unitsSold()).isEqualTo(3);
        assertThat(minute.refunds()).isEqualTo(10.0);
        assertThat(minute.topCategories()).containsExactly(new MinuteAnalytics.CategoryCount("shoes", 4));
    }

    @Test
    void jsonRoundTripAndNoEventTimeStamp() {
        MinuteStats stats = new MinuteStats();
        stats.add(new ShopperEvent.View(header("u1", "s1"), "i1", "shoes", 10.0));
        MinuteAnalytics minute = ToMinuteAnalytics.toAnalytics(MinutePartial.of(MINUTE, MINUTE + 60_000, stats), 5);

        assertThat(MinuteAnalyticsCodec.decode(MinuteAnalyticsCodec.encode(minute))).isEqualTo(minute);
        var record = new MinuteAnalyticsRecordSerializer("analytics").serialize(minute, null, MINUTE);
        assertThat(new String(record.key())).isEqualTo(Long.toString(MINUTE));
        assertThat(record.timestamp()).isNull();
    }
}
