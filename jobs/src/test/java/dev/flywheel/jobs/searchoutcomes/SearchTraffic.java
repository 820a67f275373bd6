package dev.flywheel.jobs.searchoutcomes;

import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.outcomes.SearchOutcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded searching shoppers with the rows their lists must become: each shopper searches every 12 to
 * 90 minutes, clicks a few results within a minute, and buys some clicked items within ten minutes
 * of the click, always before the next search (so last-click attribution has one answer). Between
 * them, views and a click that names no search, which must not disturb anything. Clicks and
 * purchases all fall inside the 30-minute window, so the expected row is what was generated.
 */
final class SearchTraffic {
    static final long T0 = 1_767_225_600_000L;
    static final long WINDOW = 30 * 60_000L;
    static final int LIST = 10;

    final List<ShopperEvent> events = new ArrayList<>();
    final Map<String, SearchOutcome> expected = new HashMap<>();

    SearchTraffic(long seed, String userPrefix, int users, int searchesPerUser) {
        Random random = new Random(seed);
        int eventNo = 0;
        for (int u = 0; u < users; u++) {
            String user = userPrefix + u;
            long t = T0 + random.nextInt(600_000);
            for (int s = 0; s < searchesPerUser; s++) {
                String session = user + "-s" + s;
                String request = "srch-" + user + "-" + s;
                String[] items = new String[LIST];
                for (int r = 0; r < LIST; r++) {
                    items[r] = "it-" + random.nextInt(300);
                }
                // A repeated item keeps its first position: that is where a click on it counts.
                java.util.Set<String> seen = new java.util.HashSet<>();
                for (int r = 0; r < LIST; r++) {
                    if (!seen.add(items[r])) {
                        items[r] = "it-" + user + "-" + s + "-" + r;
                    }
                }
                events.add(new ShopperEvent.Search(new EventHeader("e" + eventNo++, t, user, session,
                        "{\"ranked_by\":\"fusion:rrf\"}"), "query " + s, List.of(items), request));
                SearchOutcome row = SearchOutcome.served(request, user, session, "query " + s, "fusion:rrf", t, items,
                        WINDOW);
                for (int r = 0; r < LIST; r++) {
                    if (random.nextDouble() < 0.5 / (r + 1)) {
                        long clickAt = t + 1_000 + random.nextInt(60_000);
                        events.add(new ShopperEvent.Click(new EventHeader("e" + eventNo++, clickAt, user, session),
                                items[r], "c", 10.0, request));
                        row = row.withClick(r, clickAt);
                        if (random.nextDouble() < 0.3) {
                            long buyAt = clickAt + 1 + random.nextInt(600_000);
                            String order = "o-" + user + "-" + s + "-" + r;
                            events.add(new ShopperEvent.Purchase(new EventHeader("e" + eventNo++, buyAt, user,
                                    session), order, items[r], "c", 10.0, 1));
                            row = row.withPurchase(r, order);
                        }
                    }
                }
                events.add(new ShopperEvent.View(new EventHeader("e" + eventNo++, t + 2_000, user, session),
                        "it-viewed", "c", 5.0));
                events.add(new ShopperEvent.Click(new EventHeader("e" + eventNo++, t + 3_000, user, session),
                        "it-from-a-banner", "c", 5.0, null));
                expected.put(request, row);
                t += 12 * 60_000L + random.nextInt(78 * 60_000);
            }
        }
        events.sort(Comparator.comparingLong(ShopperEvent::ts));
    }

    long lastTs() {
        return events.get(events.size() - 1).ts();
    }
}
