package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.events.ShopperEvent;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class DriftScenarioTest {
    private static final long HOUR = 3_600_000L;
    private static final long START = SimulatorConfig.DEFAULT_START_EPOCH_MS;

    @Test
    void parsesTheDocumentedSyntax() {
        List<DriftScenario> scenarios =
                DriftScenario.parseList("preference_shift@2h,price_shock@3h:1.5, bot_burst@4h+20m, price_shock@1h30m+90s:0.8");

        assertThat(scenarios).containsExactly(
                new DriftScenario(DriftScenario.Kind.PREFERENCE_SHIFT, Duration.ofHours(2), null, 1.0),
                new DriftScenario(DriftScenario.Kind.PRICE_SHOCK, Duration.ofHours(3), null, 1.5),
                new DriftScenario(DriftScenario.Kind.BOT_BURST, Duration.ofHours(4), Duration.ofMinutes(20), 0.2),
                new DriftScenario(DriftScenario.Kind.PRICE_SHOCK, Duration.ofMinutes(90), Duration.ofSeconds(90), 0.8));
        assertThat(DriftScenario.parse(scenarios.get(2).toString())).isEqualTo(scenarios.get(2));
        assertThat(scenarios.get(2).activeAt(START + 4 * HOUR, START)).isTrue();
        assertThat(scenarios.get(2).activeAt(START + 4 * HOUR + 20 * 60_000, START)).isFalse();
    }

    @Test
    void rejectsWhatItCannotRead() {
        assertThatThrownBy(() -> DriftScenario.parse("heatwave@2h")).hasMessageContaining("unknown drift kind");
        assertThatThrownBy(() -> DriftScenario.parse("price_shock@2x")).hasMessageContaining("bad duration");
        assertThatThrownBy(() -> DriftScenario.parse("price_shock")).hasMessageContaining("expected kind@start");
        assertThatThrownBy(() -> DriftScenario.parse("preference_shift@1h:2")).hasMessageContaining("at most 1");
    }

    @Test
    void winbackCampaignMakesRareBuyersBuyMoreThanRegularOnes() {
        assertThat(DriftScenario.parse("winback_campaign@1h"))
                .isEqualTo(new DriftScenario(DriftScenario.Kind.WINBACK_CAMPAIGN, Duration.ofHours(1), null, 4.0));
        List<SimulatedEvent> events = simulate("winback_campaign@1h", 2 * HOUR + HOUR / 2);
        Shoppers shoppers = new Shoppers(3, new ShopCatalog(3, 10_000, 20));
        // A session's buy probability is fixed at its start: compare sessions well before and well after.
        Map<String, SessionPurchase> sessions = sessions(events);
        double[] before = purchaseRateOfRareAndRegularBuyers(sessions, shoppers, s -> s.start < START + HOUR / 2);
        double[] after = purchaseRateOfRareAndRegularBuyers(sessions, shoppers,
                s -> s.start >= START + HOUR + HOUR / 2);
        System.out.printf("winback campaign: purchase rate of rare / regular buyers' sessions %.3f / %.3f before,"
                + " %.3f / %.3f after%n", before[0], before[1], after[0], after[1]);
        assertThat(before[0]).as("before, rare buyers buy less").isLessThan(0.6 * before[1]);
        assertThat(after[0]).as("after, rare buyers buy more").isGreaterThan(1.5 * after[1]);
    }

    /** Per shopper session: when it started, who shopped, and whether it bought. */
    private static final class SessionPurchase {
        long start = Long.MAX_VALUE;
        long userIndex;
        boolean bought;
    }

    private static Map<String, SessionPurchase> sessions(List<SimulatedEvent> events) {
        Map<String, SessionPurchase> sessions = new HashMap<>();
        for (SimulatedEvent e : events) {
            if (e.fromBot() || e.event() instanceof ShopperEvent.Return) {
                continue;
            }
            SessionPurchase s = sessions.computeIfAbsent(e.event().sessionId(), id -> new SessionPurchase());
            s.start = Math.min(s.start, e.event().ts());
            s.userIndex = Long.parseLong(e.event().userId().substring(Shoppers.USER_PREFIX.length()));
            s.bought |= e.event() instanceof ShopperEvent.Purchase;
        }
        return sessions;
    }

    /** Share of sessions that bought: of shoppers with a baseline propensity below the median, and of the others. */
    private static double[] purchaseRateOfRareAndRegularBuyers(Map<String, SessionPurchase> sessions, Shoppers shoppers,
                                                               Predicate<SessionPurchase> filter) {
        long[] bought = new long[2];
        long[] total = new long[2];
        for (SessionPurchase s : sessions.values()) {
            if (filter.test(s)) {
                int group = shoppers.traits(s.userIndex).purchaseLogit() < Shoppers.MEDIAN_PURCHASE_LOGIT ? 0 : 1;
                total[group]++;
                bought[group] += s.bought ? 1 : 0;
            }
        }
        return new double[] {(double) bought[0] / total[0], (double) bought[1] / total[1]};
    }

    private static List<SimulatedEvent> simulate(String drift, long durationMs) {
        ShopSimulator simulator = new ShopSimulator(
                SimulatorConfig.defaults(3).withDrift(DriftScenario.parseList(drift)));
        List<SimulatedEvent> events = new java.util.ArrayList<>();
        SimulatedEvent event = simulator.next();
        while (event.event().ts() < START + durationMs) {
            events.add(event);
            event = simulator.next();
        }
        return events;
    }

    private static Map<String, Double> categoryMix(List<SimulatedEvent> events, Predicate<SimulatedEvent> filter) {
        Map<String, Double> counts = new HashMap<>();
        double total = 0;
        for (SimulatedEvent e : events) {
            if (filter.test(e) && e.event() instanceof ShopperEvent.View view) {
                counts.merge(view.category(), 1.0, Double::sum);
                total++;
            }
        }
        double n = total;
        counts.replaceAll((category, count) -> count / n);
        return counts;
    }

    private static double totalVariation(Map<String, Double> p, Map<String, Double> q) {
        java.util.Set<String> categories = new java.util.HashSet<>(p.keySet());
        categories.addAll(q.keySet());
        return categories.stream()
                .mapToDouble(c -> Math.abs(p.getOrDefault(c, 0.0) - q.getOrDefault(c, 0.0))).sum() / 2;
    }

    private static double meanViewPrice(List<SimulatedEvent> events, Predicate<SimulatedEvent> filter) {
        return events.stream().filter(filter).map(SimulatedEvent::event)
                .filter(e -> e instanceof ShopperEvent.View)
                .mapToDouble(e -> ((ShopperEvent.View) e).price()).average().orElseThrow();
    }

    private static double meanTruth(List<SimulatedEvent> events, Predicate<SimulatedEvent> filter) {
        return events.stream().filter(filter).mapToDouble(SimulatedEvent::buyProbability30m).average().orElseThrow();
    }

    private static double botShare(List<SimulatedEvent> events, Predicate<SimulatedEvent> filter) {
        List<SimulatedEvent> selected = events.stream().filter(filter).toList();
        assertThat(selected).isNotEmpty();
        return (double) selected.stream().filter(SimulatedEvent::fromBot).count() / selected.size();
    }
}
