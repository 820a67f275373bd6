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
    void preferenceShiftMovesTheCategoryMix() {
        List<SimulatedEvent> events = simulate("preference_shift@1h", 2 * HOUR);
        Map<String, Double> before = categoryMix(events, e -> e.event().ts() < START + HOUR);
        Map<String, Double> after = categoryMix(events, e -> e.event().ts() >= START + HOUR + HOUR / 2);
        Map<String, Double> firstHalfHour = categoryMix(events, e -> e.event().ts() < START + HOUR / 2);
        Map<String, Double> secondHalfHour = categoryMix(events,
                e -> e.event().ts() >= START + HOUR / 2 && e.event().ts() < START + HOUR);

        double shift = totalVariation(before, after);
        double noise = totalVariation(firstHalfHour, secondHalfHour);
        System.out.printf("preference shift: category mix total variation %.3f (vs %.3f without drift)%n", shift, noise);
        assertThat(noise).isLessThan(0.05);
        assertThat(shift).isGreaterThan(0.3);
        assertThat(events.stream().filter(e -> e.event().ts() >= START + HOUR).allMatch(e -> !e.activeDrift().isEmpty()))
                .isTrue();
    }

    @Test
    void priceShockRaisesPricesAndLowersBuyProbability() {
        List<SimulatedEvent> events = simulate("price_shock@1h:1.5", 2 * HOUR);
        // Sessions see the prices of their start, so compare sessions well before and well after.
        Predicate<SimulatedEvent> before = e -> e.event().ts() < START + HOUR - HOUR / 2;
        Predicate<SimulatedEvent> after = e -> e.event().ts() >= START + HOUR + HOUR / 2;
        double priceRatio = meanViewPrice(events, after) / meanViewPrice(events, before);
        double truthBefore = meanTruth(events, before);
        double truthAfter = meanTruth(events, after);
        System.out.printf("price shock x1.5: mean view price x%.3f, mean truth %.4f -> %.4f%n",
                priceRatio, truthBefore, truthAfter);
        assertThat(priceRatio).isBetween(1.35, 1.65);
        assertThat(truthAfter).isLessThan(truthBefore * 0.85);
    }

    @Test
    void botBurstAddsBotsThatNeverBuyOnlyDuringTheBurst() {
        List<SimulatedEvent> events = simulate("bot_burst@30m+20m", HOUR + HOUR / 2);
        long burstStart = START + HOUR / 2;
        long burstEnd = burstStart + 20 * 60_000;
        double shareBefore = botShare(events, e -> e.event().ts() < burstStart);
        double shareDuring = botShare(events, e -> e.event().ts() >= burstStart + 5 * 60_000 && e.event().ts() < burstEnd);
        double shareLongAfter = botShare(events, e -> e.event().ts() >= burstEnd + 15 * 60_000);
        System.out.printf("bot burst: bot share %.3f before, %.3f during, %.3f after%n",
                shareBefore, shareDuring, shareLongAfter);
        assertThat(shareBefore).isZero();
        assertThat(shareDuring).isGreaterThan(0.3);
        assertThat(shareLongAfter).isZero();
        assertThat(events.stream().filter(SimulatedEvent::fromBot))
                .allSatisfy(e -> {
                    assertThat(e.buyProbability30m()).isZero();
                    assertThat(e.event()).isInstanceOfAny(ShopperEvent.View.class, ShopperEvent.Click.class);
                });
        assertThat(events.stream().filter(e -> e.event().ts() >= burstStart && e.event().ts() < burstEnd))
                .allSatisfy(e -> assertThat(e.activeDrift()).extracting(DriftScenario::kind)
                        .containsExactly(DriftScenario.Kind.BOT_BURST));
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
