package dev.flywheel.simulator;

import dev.flywheel.events.EventType;
import dev.flywheel.events.ShopperEvent;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * What the simulator emitted, counted as it went, to compare with what a pipeline computed from the
 * same events. Revenue is kept in cents so that the comparison can be exact.
 */
public final class SimulationStats {
    private final EnumMap<EventType, Long> eventsByType = new EnumMap<>(EventType.class);
    private long events;
    private long sessions;
    private long orders;
    private long revenueCents;
    private long botEvents;

    SimulationStats() {
        for (EventType type : EventType.values()) {
            eventsByType.put(type, 0L);
        }
    }

    void recordEvent(ShopperEvent event, boolean fromBot) {
        events++;
        eventsByType.merge(event.type(), 1L, Long::sum);
        if (fromBot) {
            botEvents++;
        }
        if (event instanceof ShopperEvent.Purchase purchase) {
            revenueCents += Math.round(purchase.price() * 100) * purchase.quantity();
        }
    }

    void recordSessionStart() {
        sessions++;
    }

    void recordOrder() {
        orders++;
    }

    public long events() {
        return events;
    }

    public long count(EventType type) {
        return eventsByType.get(type);
    }

    public Map<EventType, Long> eventsByType() {
        return Collections.unmodifiableMap(new EnumMap<>(eventsByType));
    }

    /** Sessions with at least one emitted event, including bot and return sessions. */
    public long sessions() {
        return sessions;
    }

    /** Orders whose purchase events were emitted; an order has one purchase event per line. */
    public long orders() {
        return orders;
    }

    /** Sum of price x quantity over emitted purchase events. */
    public long revenueCents() {
        return revenueCents;
    }

    public double revenue() {
        return revenueCents / 100.0;
    }

    public long botEvents() {
        return botEvents;
    }

    @Override
    public String toString() {
        return "SimulationStats{events=" + events + ", byType=" + eventsByType + ", sessions=" + sessions
                + ", orders=" + orders + ", revenue=" + revenue() + ", botEvents=" + botEvents + "}";
    }
}
