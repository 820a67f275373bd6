package dev.flywheel.jobs.analytics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of {@link MinuteAnalytics} on the {@code analytics} topic (snake_case, the minute
 * also as an ISO instant for people reading the topic by eye). Documented in docs/analytics.md.
 */
public final class MinuteAnalyticsCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MinuteAnalyticsCodec() {
    }

    public static byte[] encode(MinuteAnalytics a) {
        ObjectNode root = JSON.createObjectNode();
        root.put("window_start", a.windowStart());
        root.put("window_end", a.windowEnd());
        root.put("minute", Instant.ofEpochMilli(a.windowStart()).toString());
        root.put("events", a.events());
        ObjectNode funnel = root.putObject("events_by_type");
        a.eventsByType().forEach(funnel::put);
        root.put("sessions", a.sessions());
        root.put("buying_sessions", a.buyingSessions());
        root.put("conversion_rate", a.conversionRate());
        root.put("revenue", a.revenue());
        root.put("refunds", a.refunds());
        root.put("units_sold", a.unitsSold());
        ArrayNode top = root.putArray("top_categories");
        for (MinuteAnalytics.CategoryCount c : a.topCategories()) {
            top.addObject().put("category", c.category()).put("events", c.events());
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static MinuteAnalytics decode(byte[] json) {
        try {
            JsonNode root = JSON.readTree(json);
            Map<String, Long> funnel = new LinkedHashMap<>();
            root.get("events_by_type").fields().forEachRemaining(e -> funnel.put(e.getKey(), e.getValue().asLong()));
            List<MinuteAnalytics.CategoryCount> top = new ArrayList<>();
            for (JsonNode c : root.get("top_categories")) {
                top.add(new MinuteAnalytics.CategoryCount(c.get("category").asText(), c.get("events").asLong()));
            }
            return new MinuteAnalytics(root.get("window_start").asLong(), root.get("window_end").asLong(),
                    root.get("events").asLong(), funnel, root.get("sessions").asLong(),
                    root.get("buying_sessions").asLong(), root.get("conversion_rate").asDouble(),
                    root.get("revenue").asDouble(), root.get("refunds").asDouble(), root.get("units_sold").asLong(),
                    top);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not an analytics record: " + e.getMessage(), e);
        }
    }
}
