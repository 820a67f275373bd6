package dev.flywheel.events;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Events and payloads shared by the schema module's tests. */
final class EventSamples {
    static final Instant NOW = Instant.parse("2025-06-01T00:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    /** Twelve hours before {@link #NOW}. */
    static final long TS = NOW.toEpochMilli() - 12 * 3_600_000L;

    private EventSamples() {
    }

    static EventHeader header(String eventId) {
        return new EventHeader(eventId, TS, "u-1", "s-1");
    }

    /** One event of every type, optional fields set on some and absent on others. */
    static List<ShopperEvent> oneOfEachType() {
        return List.of(
                new ShopperEvent.View(header("e-view"), "i-1", "c-1", 19.99),
                new ShopperEvent.Search(header("e-search"), "red shoes", List.of("i-1", "i-2", "i-3"), "r-1"),
                new ShopperEvent.Click(header("e-click"), "i-2", "c-1", null, "r-1"),
                new ShopperEvent.AddToCart(header("e-cart"), "i-2", "c-1", 5.0, 2),
                new ShopperEvent.RemoveFromCart(header("e-uncart"), "i-2", "c-1", null, 1),
                new ShopperEvent.AddToWishlist(header("e-fav"), "i-3", "c-2", null),
                new ShopperEvent.Purchase(header("e-buy"), "o-1", "i-2", "c-1", 5.0, 1),
                new ShopperEvent.Return(header("e-return"), "o-1", "i-2", "c-1", 0.0, 1));
    }

    /** A JSON object built field by field from raw JSON values, so tests can break any one of them. */
    static final class Payload {
        private final Map<String, String> fields = new LinkedHashMap<>();

        static Payload view() {
            return new Payload()
                    .set("event_id", "\"e-1\"")
                    .set("type", "\"view\"")
                    .set("ts", Long.toString(TS))
                    .set("user_id", "\"u-1\"")
                    .set("session_id", "\"s-1\"")
                    .set("item_id", "\"i-1\"")
                    .set("category", "\"c-1\"");
        }

        static Payload ofType(String type) {
            Payload payload = view().set("type", "\"" + type + "\"");
            return switch (type) {
                case "search" -> payload.remove("item_id").remove("category")
                        .set("query", "\"shoes\"").set("request_id", "\"r-1\"");
                case "add_to_cart", "remove_from_cart" -> payload.set("quantity", "1");
                case "purchase", "return" -> payload.set("order_id", "\"o-1\"").set("quantity", "1");
                default -> payload;
            };
        }

        Payload set(String name, String rawJson) {
            fields.put(name, rawJson);
            return this;
        }

        Payload remove(String name) {
            fields.remove(name);
            return this;
        }

        @Override
        public String toString() {
            StringBuilder json = new StringBuilder("{");
            fields.forEach((name, value) -> {
                if (json.length() > 1) {
                    json.append(',');
                }
                json.append('"').append(name).append("\":").append(value);
            });
            return json.append('}').toString();
        }
    }
}
