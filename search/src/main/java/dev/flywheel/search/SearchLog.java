package dev.flywheel.search;

import dev.flywheel.events.ShopperEvent;

/** Where served result lists go: the clickstream, so the click that follows can be joined to them. */
@FunctionalInterface
public interface SearchLog {
    void log(ShopperEvent.Search event);

    SearchLog NONE = event -> { };
}
