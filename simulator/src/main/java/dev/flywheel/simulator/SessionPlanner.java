package dev.flywheel.simulator;

import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.simulator.PlannedSession.OrderLine;
import dev.flywheel.simulator.PlannedSession.PlannedOrder;
import dev.flywheel.simulator.PlannedSession.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Draws whole sessions up front. A shopper session's purchase probability p_s is fixed at its start;
 * what the shopper does depends on p_s (carts more, views cheaper items, types longer queries), and
 * the purchase, if a separate Bernoulli(p_s) draw says so, happens at the session's end. Because the
 * browsing is drawn before and independently of that draw, p_s is exactly the probability of the
 * purchase given everything that happened so far.
 */
final class SessionPlanner {
    /** The attribution window of the label the truth is about: the platform's default. */
    static final long WINDOW_MS = Attribution.DEFAULT_WINDOW.toMillis();
    /** Longest pause inside a session, well under the 30 minutes that end a session. */
    static final long MAX_GAP_MS = 25 * 60_000L;

    private static final int MAX_STEPS = 40;
    private static final double MAX_PURCHASE_PROBABILITY = 0.95;
    /** Price level at which a category's prices neither help nor hurt buying. */
    private static final double COMFORT_PRICE = 40;
    private static final int RESULTS_PER_SEARCH = 10;
    private static final double RETURN_PROBABILITY = 0.1;
    private static final long MIN_RETURN_DELAY_MS = 3_600_000L;
    private static final long MAX_RETURN_DELAY_MS = 7 * 24 * 3_600_000L;

    /**
     * What the drift scenarios in force at a session's start change for it.
     *
     * @param rareBuyerBoost added to the purchase log-odds of shoppers whose baseline propensity is below
     *                       the population's median; see {@link DriftScenario.Kind#WINBACK_CAMPAIGN}
     */
    record ShopContext(double priceFactor, double preferenceShiftFraction, double rareBuyerBoost) {
        static final ShopContext NORMAL = new ShopContext(1.0, 0.0, 0.0);
    }

    private enum Action { VIEW, SEARCH, CLICK, ADD_TO_CART, REMOVE_FROM_CART, ADD_TO_WISHLIST }

    private final long seed;
    private final ShopCatalog catalog;
    private final Shoppers shoppers;

    SessionPlanner(long seed, ShopCatalog catalog, Shoppers shoppers) {
        this.seed = seed;
        this.catalog = catalog;
        this.shoppers = shoppers;
    }

    PlannedSession shopperSession(long sessionNumber, long userIndex, long startTs, ShopContext context) {
        SplittableRandom random = DerivedRandom.of(seed, DerivedRandom.SESSION, sessionNumber);
        Shoppers.Traits traits = shoppers.traits(userIndex);
        double[] preferences = shoppers.isShifted(userIndex, context.preferenceShiftFraction())
                ? Shoppers.shifted(traits.preferences()) : traits.preferences();
        int focus = Shoppers.drawCategory(preferences, random);
        double intent = purchaseProbability(traits, preferences[focus], catalog.medianPrice(focus), context, random);

        Browsing browsing = new Browsing(sessionNumber, preferences, focus, intent, context.priceFactor(), random);
        int steps = Math.min(MAX_STEPS, 1 + geometric(random, 5.0));
        long ts = startTs;
        for (int step = 0; step < steps; step++) {
            if (step > 0) {
                ts += gap(random, 45_000);
            }
            browsing.act(step, ts);
        }
        long endTs = ts + gap(random, 60_000);

        List<Step> timeline = new ArrayList<>();
        for (Draft draft : browsing.drafts) {
            double truth = endTs - draft.ts <= WINDOW_MS ? intent : 0.0;
            timeline.add(new Step(draft.ts, truth, draft.build));
        }
        PlannedOrder order = null;
        SplittableRandom purchaseDraw = DerivedRandom.of(seed, DerivedRandom.PURCHASE, sessionNumber);
        if (purchaseDraw.nextDouble() < intent) {
            order = order(sessionNumber, browsing, endTs, purchaseDraw);
            for (OrderLine line : order.lines()) {
                String orderId = order.orderId();
                // After the checkout nothing more is bought within 30 minutes: the next session is > 30 min away.
                timeline.add(new Step(endTs, 0.0, h -> new ShopperEvent.Purchase(
                        h, orderId, line.itemId(), line.category(), line.price(), line.quantity())));
            }
        }
        return new PlannedSession(userIndex, Shoppers.userId(userIndex), sessionId(sessionNumber),
                List.copyOf(timeline), endTs, order);
    }

    /** A bot: a long burst of views and clicks a second or two apart, on any item; never buys. */
    PlannedSession botSession(long sessionNumber, long botIndex, long startTs, ShopContext context) {
        SplittableRandom random = DerivedRandom.of(seed, DerivedRandom.SESSION, sessionNumber);
        int steps = 40 + random.nextInt(110);
        List<Step> timeline = new ArrayList<>(steps);
        long ts = startTs;
        for (int step = 0; step < steps; step++) {
            if (step > 0) {
                ts += 500 + random.nextInt(2_500);
            }
            long item = catalog.drawAnyItem(random);
            String itemId = catalog.itemId(item);
            String category = catalog.categoryName(catalog.categoryOf(item));
            Double price = price(item, context.priceFactor());
            Function<EventHeader, ShopperEvent> build = random.nextDouble() < 0.7
                    ? h -> new ShopperEvent.View(h, itemId, category, price)
                    : h -> new ShopperEvent.Click(h, itemId, category, price, null);
            timeline.add(new Step(ts, 0.0, build));
        }
        return new PlannedSession(-1 - botIndex, Shoppers.botId(botIndex), sessionId(sessionNumber),
                List.copyOf(timeline), ts, null);
    }

    /** The shopper comes back to return part of an order: one return event per returned line. */
    PlannedSession returnSession(long sessionNumber, long userIndex, PlannedOrder order, long startTs) {
        SplittableRandom random = DerivedRandom.of(seed, DerivedRandom.SESSION, sessionNumber);
        List<Step> timeline = new ArrayList<>();
        long ts = startTs;
        for (OrderLine line : order.returnedLines()) {
            timeline.add(new Step(ts, 0.0, h -> new ShopperEvent.Return(
                    h, order.orderId(), line.itemId(), line.category(), line.price(), line.quantity())));
            ts += 1_000 + random.nextInt(4_000);
        }
        long endTs = timeline.get(timeline.size() - 1).ts();
        return new PlannedSession(userIndex, Shoppers.userId(userIndex), sessionId(sessionNumber),
                List.copyOf(timeline), endTs, null);
    }

    private String sessionId(long sessionNumber) {
        return "sess-" + seed + "-" + sessionNumber;
    }

    private double purchaseProbability(Shoppers.Traits traits, double focusPreference, double focusMedianPrice,
                                       ShopContext context, SplittableRandom random) {
        double logit = traits.purchaseLogit()
                + 1.5 * focusPreference
                - 0.35 * traits.priceSensitivity() * Math.log(focusMedianPrice / COMFORT_PRICE)
                - traits.priceSensitivity() * Math.log(context.priceFactor())
                + (traits.purchaseLogit() < Shoppers.MEDIAN_PURCHASE_LOGIT ? context.rareBuyerBoost() : 0)
                + 0.8 * random.nextGaussian();
        return Math.min(MAX_PURCHASE_PROBABILITY, 1 / (1 + Math.exp(-logit)));
    }

    private PlannedOrder order(long sessionNumber, Browsing browsing, long endTs, SplittableRandom random) {
        List<OrderLine> lines = new ArrayList<>();
        if (browsing.cart.isEmpty()) {
            // "Buy now" on what the shopper last looked at.
            long item = browsing.currentItem >= 0 ? browsing.currentItem : browsing.lastResults.get(0);
            lines.add(line(item, 1, browsing.priceFactor));
        } else {
            browsing.cart.forEach((item, quantity) -> lines.add(line(item, quantity, browsing.priceFactor)));
        }
        List<OrderLine> returned = new ArrayList<>();
        long returnDue = Long.MIN_VALUE;
        if (random.nextDouble() < RETURN_PROBABILITY) {
            for (OrderLine line : lines) {
                if (returned.isEmpty() || random.nextBoolean()) {
                    returned.add(line);
                }
            }
            // Log-uniform between an hour and a week: most returns come days later.
            double logDelay = Math.log(MIN_RETURN_DELAY_MS)
                    + random.nextDouble() * Math.log((double) MAX_RETURN_DELAY_MS / MIN_RETURN_DELAY_MS);
            returnDue = endTs + (long) Math.exp(logDelay);
        }
        return new PlannedOrder("ord-" + seed + "-" + sessionNumber, List.copyOf(lines), List.copyOf(returned),
                returnDue);
    }

    private OrderLine line(long item, int quantity, double priceFactor) {
        return new OrderLine(item, catalog.itemId(item), catalog.categoryName(catalog.categoryOf(item)),
                price(item, priceFactor), quantity);
    }

    private double price(long item, double priceFactor) {
        return ShopCatalog.roundToCents(catalog.basePrice(item) * priceFactor);
    }

    private record Draft(long ts, Function<EventHeader, ShopperEvent> build) {
    }

    /** The browsing part of one shopper session, step by step. */
    private final class Browsing {
        final long sessionNumber;
        final double[] preferences;
        final int focus;
        final double intent;
        final double priceFactor;
        final SplittableRandom random;
        final List<Draft> drafts = new ArrayList<>();
        final Map<Long, Integer> cart = new LinkedHashMap<>();
        long currentItem = -1;
        List<Long> lastResults;
        String lastRequestId;

        Browsing(long sessionNumber, double[] preferences, int focus, double intent, double priceFactor,
                 SplittableRandom random) {
            this.sessionNumber = sessionNumber;
            this.preferences = preferences;
            this.focus = focus;
            this.intent = intent;
            this.priceFactor = priceFactor;
            this.random = random;
        }

        void act(int step, long ts) {
            switch (nextAction(step)) {
                case VIEW -> view(ts);
                case SEARCH -> search(step, ts);
                case CLICK -> click(ts);
                case ADD_TO_CART -> addToCart(ts);
                case REMOVE_FROM_CART -> removeFromCart(ts);
                case ADD_TO_WISHLIST -> addToWishlist(ts);
            }
        }

        private Action nextAction(int step) {
            if (step == 0) {
                return random.nextDouble() < 0.35 ? Action.SEARCH : Action.VIEW;
            }
            double[] weights = new double[Action.values().length];
            weights[Action.VIEW.ordinal()] = 0.40;
            weights[Action.SEARCH.ordinal()] = currentItem < 0 ? 0.22 : 0.12;
            weights[Action.CLICK.ordinal()] = lastResults == null ? 0 : 0.25 + 0.3 * intent;
            weights[Action.ADD_TO_CART.ordinal()] = currentItem < 0 ? 0 : 0.06 + 0.45 * intent;
            weights[Action.ADD_TO_WISHLIST.ordinal()] = currentItem < 0 ? 0 : 0.05;
            weights[Action.REMOVE_FROM_CART.ordinal()] = cart.isEmpty() ? 0 : 0.12 * (1 - intent);
            double total = 0;
            for (double w : weights) {
                total += w;
            }
            double u = random.nextDouble() * total;
            for (Action action : Action.values()) {
                u -= weights[action.ordinal()];
                if (u < 0) {
                    return action;
                }
            }
            return Action.VIEW;
        }

        private void view(long ts) {
            int category = random.nextDouble() < 0.85 ? focus : Shoppers.drawCategory(preferences, random);
            // Shoppers who mean to buy compare and settle on cheaper items: the cheapest of a few looks.
            int looks = 1 + (int) Math.round(3 * intent);
            long item = catalog.drawItem(category, random);
            for (int look = 1; look < looks; look++) {
                long other = catalog.drawItem(category, random);
                if (catalog.basePrice(other) < catalog.basePrice(item)) {
                    item = other;
                }
            }
            currentItem = item;
            add(ts, item, (h, id, cat, price) -> new ShopperEvent.View(h, id, cat, price));
        }

        private void search(int step, long ts) {
            List<String> words = catalog.queryWords(focus);
            // Intent shows in the query: "phone" browses, "phone wireless charger" is looking for something.
            int wordCount = 1 + (random.nextDouble() < intent ? 1 : 0) + (random.nextDouble() < intent / 2 ? 1 : 0);
            LinkedHashSet<String> query = new LinkedHashSet<>();
            while (query.size() < Math.min(wordCount, words.size())) {
                query.add(words.get(random.nextInt(words.size())));
            }
            LinkedHashSet<Long> results = new LinkedHashSet<>();
            for (int attempt = 0; attempt < 3 * RESULTS_PER_SEARCH && results.size() < RESULTS_PER_SEARCH; attempt++) {
                results.add(catalog.drawItem(focus, random));
            }
            lastResults = List.copyOf(results);
            lastRequestId = "req-" + seed + "-" + sessionNumber + "-" + step;
            String queryText = String.join(" ", query);
            List<String> resultIds = lastResults.stream().map(catalog::itemId).toList();
            String requestId = lastRequestId;
            drafts.add(new Draft(ts, h -> new ShopperEvent.Search(h, queryText, resultIds, requestId)));
        }

        private void click(long ts) {
            int rank = Math.min(lastResults.size() - 1, geometric(random, 1.5));
            long item = lastResults.get(rank);
            currentItem = item;
            String requestId = lastRequestId;
            add(ts, item, (h, id, cat, price) -> new ShopperEvent.Click(h, id, cat, price, requestId));
        }

        private void addToCart(long ts) {
            int quantity = random.nextDouble() < 0.15 ? 2 : 1;
            cart.merge(currentItem, quantity, Integer::sum);
            add(ts, currentItem, (h, id, cat, price) -> new ShopperEvent.AddToCart(h, id, cat, price, quantity));
        }

        private void removeFromCart(long ts) {
            List<Long> lines = List.copyOf(cart.keySet());
            long item = lines.get(random.nextInt(lines.size()));
            int quantity = cart.remove(item);
            add(ts, item, (h, id, cat, price) -> new ShopperEvent.RemoveFromCart(h, id, cat, price, quantity));
        }

        private void addToWishlist(long ts) {
            add(ts, currentItem, (h, id, cat, price) -> new ShopperEvent.AddToWishlist(h, id, cat, price));
        }

        private void add(long ts, long item, ItemEventFactory factory) {
            String itemId = catalog.itemId(item);
            String category = catalog.categoryName(catalog.categoryOf(item));
            Double price = price(item, priceFactor);
            drafts.add(new Draft(ts, h -> factory.make(h, itemId, category, price)));
        }
    }

    @FunctionalInterface
    private interface ItemEventFactory {
        ShopperEvent make(EventHeader header, String itemId, String category, Double price);
    }

    /** Geometric number of extra steps with the given mean (0, 1, 2, ...). */
    private static int geometric(SplittableRandom random, double mean) {
        double p = 1 / (1 + mean);
        return (int) Math.floor(Math.log(1 - random.nextDouble()) / Math.log(1 - p));
    }

    /** A pause between actions: log-normal around the median, from a second up to {@link #MAX_GAP_MS}. */
    private static long gap(SplittableRandom random, long medianMs) {
        long gap = (long) (medianMs * Math.exp(random.nextGaussian()));
        return Math.max(1_000, Math.min(MAX_GAP_MS, gap));
    }
}
