package dev.flywheel.outcomes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON of the {@code search-outcomes} topic: one object per served list, positions in served order.
 *
 * <pre>{@code
 * {"request_id":"srch-1","user_id":"u-1","session_id":"s-1","query":"blue couch","ranked_by":"fusion:rrf",
 *  "search_time":1767225600000,"attribution_window_ms":1800000,"closed_at":1767227400000,
 *  "results":[{"position":0,"item_id":"i-9","clicked":true,"click_time":1767225604000,"purchased":false},
 *             {"position":1,"item_id":"i-3","clicked":false,"purchased":false}, ...]}
 * }</pre>
 *
 * {@code click_time} is present only on clicked positions, {@code order_id} only on bought ones.
 * Readers ignore fields they do not know. Thread-safe.
 */
public final class SearchOutcomeJson {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    public byte[] encode(SearchOutcome outcome) {
        ObjectNode root = JSON.createObjectNode()
                .put("request_id", outcome.requestId())
                .put("user_id", outcome.userId())
                .put("session_id", outcome.sessionId())
                .put("query", outcome.query());
        if (outcome.rankedBy() != null) {
            root.put("ranked_by", outcome.rankedBy());
        }
        root.put("search_time", outcome.searchTime())
                .put("attribution_window_ms", outcome.attributionWindowMs())
                .put("closed_at", outcome.closedAt());
        ArrayNode results = root.putArray("results");
        for (int i = 0; i < outcome.size(); i++) {
            ObjectNode row = results.addObject().put("position", i).put("item_id", outcome.items()[i])
                    .put("clicked", outcome.clicked(i));
            if (outcome.clicked(i)) {
                row.put("click_time", outcome.clickTimes()[i]);
            }
            row.put("purchased", outcome.purchased(i));
            if (outcome.purchased(i)) {
                row.put("order_id", outcome.orderIds()[i]);
            }
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @throws IllegalArgumentException when the bytes are not a search outcome */
    public SearchOutcome decode(byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a search outcome: " + e.getMessage(), e);
        }
        JsonNode results = root.path("results");
        if (!root.isObject() || !results.isArray()) {
            throw new IllegalArgumentException("not a search outcome: no 'results' array");
        }
        int n = results.size();
        String[] items = new String[n];
        long[] clickTimes = new long[n];
        String[] orderIds = new String[n];
        for (int i = 0; i < n; i++) {
            JsonNode row = results.get(i);
            if (row.path("position").asInt(-1) != i) {
                throw new IllegalArgumentException("not a search outcome: result " + i + " has position "
                        + row.path("position"));
            }
            items[i] = text(row, "item_id");
            clickTimes[i] = row.path("clicked").asBoolean() ? number(row, "click_time") : 0;
            orderIds[i] = row.path("purchased").asBoolean() ? text(row, "order_id") : null;
        }
        JsonNode rankedBy = root.get("ranked_by");
        return new SearchOutcome(text(root, "request_id"), text(root, "user_id"), text(root, "session_id"),
                text(root, "query"), rankedBy == null || rankedBy.isNull() ? null : rankedBy.asText(),
                number(root, "search_time"), items, clickTimes, orderIds, number(root, "attribution_window_ms"),
                number(root, "closed_at"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("not a search outcome: '" + field + "' is missing or not a string");
        }
        return value.asText();
    }

    private static long number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.canConvertToExactIntegral()) {
            throw new IllegalArgumentException("not a search outcome: '" + field + "' is missing or not an integer");
        }
        return value.asLong();
    }
}
