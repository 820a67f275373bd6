package dev.flywheel.outcomes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SearchOutcomeJsonTest {
    private final SearchOutcomeJson json = new SearchOutcomeJson();

    @Test
    void aRowReadsBackAsWritten() {
        SearchOutcome row = SearchOutcome.served("srch-1", "u-1", "s-1", "blue \"couch\"", "search-ranker:3",
                1_767_225_600_000L, new String[] {"i-9", "i-3", "i-7"}, 1_800_000)
                .withClick(1, 1_767_225_604_000L).withPurchase(1, "o-5").withClick(2, 1_767_225_609_000L);

        byte[] bytes = json.encode(row);
        SearchOutcome back = json.decode(bytes);

        assertThat(back).isEqualTo(row);
        assertThat(back.closedAt()).isEqualTo(1_767_227_400_000L);
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertThat(text).contains("\"position\":1,\"item_id\":\"i-3\",\"clicked\":true,\"click_time\":1767225604000,"
                + "\"purchased\":true,\"order_id\":\"o-5\"");
        assertThat(text).contains("\"position\":0,\"item_id\":\"i-9\",\"clicked\":false,\"purchased\":false}");
    }

    @Test
    void aListWithoutRankerNameKeepsItNull() {
        SearchOutcome row = SearchOutcome.served("r", "u", "s", "q", null, 1_000, new String[] {"a"}, 10);
        assertThat(json.decode(json.encode(row)).rankedBy()).isNull();
    }

    @Test
    void somethingElseIsRefused() {
        assertThatThrownBy(() -> json.decode("{\"request_id\":\"r\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("results");
        assertThatThrownBy(() -> json.decode("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
