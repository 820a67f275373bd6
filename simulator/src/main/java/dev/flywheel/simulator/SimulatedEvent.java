package dev.flywheel.simulator;

import dev.flywheel.events.ShopperEvent;
import java.util.List;

/**
 * One simulated event with what the simulator knows and a model can only estimate.
 *
 * @param event             the event as a shopper's browser would send it
 * @param buyProbability30m the exact probability, given the simulator's latent state when the event
 *                          happens, that this user purchases within the next 30 minutes (strictly
 *                          after the event); see {@code docs/simulator.md} for why it is exact
 * @param activeDrift       the drift scenarios in force at the event's time
 */
public record SimulatedEvent(ShopperEvent event, double buyProbability30m, List<DriftScenario> activeDrift) {

    /** Bots are injected by a {@link DriftScenario.Kind#BOT_BURST}; their user ids start with {@code bot-}. */
    public boolean fromBot() {
        return event.userId().startsWith(Shoppers.BOT_PREFIX);
    }
}
