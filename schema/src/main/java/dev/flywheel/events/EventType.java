package dev.flywheel.events;

import java.util.Optional;

/**
 * The kinds of shopper action, with the names they carry on the wire. The ordinal is a binary code
 * too (Flink state and network records, the {@code features} topic): new types are appended, never
 * inserted or reordered.
 */
public enum EventType {
    VIEW("view"),
    SEARCH("search"),
    CLICK("click"),
    ADD_TO_CART("add_to_cart"),
    REMOVE_FROM_CART("remove_from_cart"),
    ADD_TO_WISHLIST("add_to_wishlist"),
    PURCHASE("purchase"),
    RETURN("return");

    private final String wireName;

    EventType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<EventType> fromWireName(String name) {
        for (EventType type : values()) {
            if (type.wireName.equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
