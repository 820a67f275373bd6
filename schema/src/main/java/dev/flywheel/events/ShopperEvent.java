package dev.flywheel.events;

import java.util.List;
import java.util.Objects;

/**
 * One meaningful shopper action. The stream of these is the input of every Flywheel job.
 *
 * <p>Each action is its own record, so code that handles a purchase cannot forget the order id
 * and code that handles a search cannot ask for a price. {@link ItemEvent}s are the ones about a
 * single item. {@code price} is the unit price where the source knows it, {@code null} otherwise
 * (the Taobao data has no prices).
 */
public sealed interface ShopperEvent {

    EventHeader header();

    EventType type();

    default String eventId() {
        return header().eventId();
    }

    default long ts() {
        return header().ts();
    }

    default String userId() {
        return header().userId();
    }

    default String sessionId() {
        return header().sessionId();
    }

    /** An action about one item. */
    sealed interface ItemEvent extends ShopperEvent {
        String itemId();

        String category();

        Double price();
    }

    record View(EventHeader header, String itemId, String category, Double price) implements ItemEvent {
        public View {
            requireItem(header, itemId, category);
        }

        public EventType type() {
            return EventType.VIEW;
        }
    }

    /** A query and the item ids it returned, in rank order; clicks refer back to its request id. */
    record Search(EventHeader header, String query, List<String> results, String requestId) implements ShopperEvent {
        public Search {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(query, "query");
            Objects.requireNonNull(requestId, "requestId");
            results = results == null ? List.of() : List.copyOf(results);
        }

        public EventType type() {
            return EventType.SEARCH;
        }
    }

    /** A click on an item; {@code requestId} names the search it came from, or is null. */
    record Click(EventHeader header, String itemId, String category, Double price, String requestId)
            implements ItemEvent {
        public Click {
            requireItem(header, itemId, category);
        }

        public EventType type() {
            return EventType.CLICK;
        }
    }

    record AddToCart(EventHeader header, String itemId, String category, Double price, int quantity)
            implements ItemEvent {
        public AddToCart {
            requireItem(header, itemId, category);
        }

        public EventType type() {
            return EventType.ADD_TO_CART;
        }
    }

    record RemoveFromCart(EventHeader header, String itemId, String category, Double price, int quantity)
            implements ItemEvent {
        public RemoveFromCart {
            requireItem(header, itemId, category);
        }

        public EventType type() {
            return EventType.REMOVE_FROM_CART;
        }
    }

    /** Taobao's "fav": the shopper saved the item for later. */
    record AddToWishlist(EventHeader header, String itemId, String category, Double price) implements ItemEvent {
        public AddToWishlist {
            requireItem(header, itemId, category);
        }

        public EventType type() {
            return EventType.ADD_TO_WISHLIST;
        }
    }

    /** One order line: an order of several items is several purchase events with one order id. */
    record Purchase(EventHeader header, String orderId, String itemId, String category, Double price, int quantity)
            implements ItemEvent {
        public Purchase {
            requireItem(header, itemId, category);
            Objects.requireNonNull(orderId, "orderId");
        }

        public EventType type() {
            return EventType.PURCHASE;
        }
    }

    record Return(EventHeader header, String orderId, String itemId, String category, Double price, int quantity)
            implements ItemEvent {
        public Return {
            requireItem(header, itemId, category);
            Objects.requireNonNull(orderId, "orderId");
        }

        public EventType type() {
            return EventType.RETURN;
        }
    }

    private static void requireItem(EventHeader header, String itemId, String category) {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(itemId, "itemId");
        Objects.requireNonNull(category, "category");
    }
}
