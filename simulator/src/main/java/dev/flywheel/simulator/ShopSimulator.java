package dev.flywheel.simulator;

import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * The synthetic shop: an endless, time-ordered stream of shopper events with the exact probability
 * of a purchase within 30 minutes attached to each.
 *
 * <p>Session arrivals are a Poisson process; each arriving session is drawn whole by
 * {@link SessionPlanner} and its events are merged with those of other sessions in flight through a
 * priority queue on event time. A shopper is busy from a session's start until 30 minutes after its
 * end, so sessions of one shopper are always separated by more than 30 minutes of silence; an arrival
 * that picks a busy shopper picks another, and a return that falls due while its shopper is busy
 * waits. Memory holds only sessions in flight, busy shoppers and pending returns.
 *
 * <p>Not thread-safe; one simulator feeds one consumer.
 */
public final class ShopSimulator implements Iterator<SimulatedEvent> {
    private static final int MAX_SHOPPER_DRAWS = 64;
    private static final int BOT_POOL = 500;
    private static final long PRUNE_EVERY_SESSIONS = 10_000;

    private final SimulatorConfig config;
    private final SessionPlanner planner;
    private final Shoppers shoppers;
    private final SplittableRandom arrivals;
    private final SplittableRandom botArrivals;
    private final PriorityQueue<Pending> queue = new PriorityQueue<>();
    private final Map<Long, Long> busyUntil = new HashMap<>();
    private final Map<Integer, List<DriftScenario>> activeDriftByMask = new HashMap<>();
    private final SimulationStats stats = new SimulationStats();
    private long queueSequence;
    private long sessionNumber;
    private long emitted;
    private long lastTs;

    public ShopSimulator(SimulatorConfig config) {
        this.config = config;
        ShopCatalog catalog = new ShopCatalog(config.seed(), config.items(), config.categories());
        this.shoppers = new Shoppers(config.seed(), catalog);
        this.planner = new SessionPlanner(config.seed(), catalog, shoppers);
        this.arrivals = DerivedRandom.of(config.seed(), DerivedRandom.ARRIVALS, 0);
        this.botArrivals = DerivedRandom.of(config.seed(), DerivedRandom.BOT_ARRIVALS, 0);
        this.lastTs = config.startEpochMs();
        push(new ShopperArrival(config.startEpochMs()));
        for (DriftScenario scenario : config.drift()) {
            if (scenario.kind() == DriftScenario.Kind.BOT_BURST) {
                push(new BotArrival(config.startEpochMs() + scenario.start().toMillis(), scenario));
            }
        }
    }

    public SimulatorConfig config() {
        return config;
    }

    /** Counts of everything emitted so far. */
    public SimulationStats stats() {
        return stats;
    }

    /** Simulated time of the last emitted event. */
    public long clock() {
        return lastTs;
    }

    /** Always true: the shop never closes. Bound the stream with a count or a time. */
    @Override
    public boolean hasNext() {
        return true;
    }

    @Override
    public SimulatedEvent next() {
        while (true) {
            Pending pending = queue.poll();
            if (pending instanceof SessionCursor cursor) {
                return emit(cursor);
            }
            pending.fire();
        }
    }

    /** The next {@code count} events, for tests and batch use. */
    public List<SimulatedEvent> take(int count) {
        List<SimulatedEvent> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(next());
        }
        return events;
    }

    private SimulatedEvent emit(SessionCursor cursor) {
        PlannedSession session = cursor.session;
        PlannedSession.Step step = session.steps().get(cursor.index);
        EventHeader header = new EventHeader(
                "sim-" + config.seed() + "-" + (++emitted), step.ts(), session.userId(), session.sessionId());
        ShopperEvent event = step.build().apply(header);
        boolean fromBot = session.userKey() < 0;
        stats.recordEvent(event, fromBot);
        if (cursor.index == 0) {
            stats.recordSessionStart();
        }
        if (event instanceof ShopperEvent.Purchase && !cursor.orderCounted) {
            cursor.orderCounted = true;
            stats.recordOrder();
        }
        lastTs = step.ts();
        cursor.index++;
        if (cursor.index < session.steps().size()) {
            cursor.time = session.steps().get(cursor.index).ts();
            push(cursor);
        }
        return new SimulatedEvent(event, step.truth(), activeDrift(step.ts()));
    }

    private void startShopperSession(long now) {
        for (int draw = 0; draw < MAX_SHOPPER_DRAWS; draw++) {
            long user = arrivals.nextLong(config.users());
            // Rejection sampling: active shoppers start proportionally more sessions.
            boolean accepted = arrivals.nextDouble() * Shoppers.MAX_ACTIVITY < shoppers.activity(user);
            if (accepted && isFree(user, now)) {
                start(planner.shopperSession(sessionNumber++, user, now, contextAt(now)));
                return;
            }
        }
    }

    private void startBotSession(long now) {
        long bot = botArrivals.nextLong(BOT_POOL);
        if (isFree(-1 - bot, now)) {
            start(planner.botSession(sessionNumber++, bot, now, contextAt(now)));
        }
    }

    private void start(PlannedSession session) {
        busyUntil.put(session.userKey(), session.endTs() + SessionPlanner.WINDOW_MS);
        push(new SessionCursor(session));
        PlannedSession.PlannedOrder order = session.order();
        if (order != null && order.returned()) {
            push(new ReturnVisit(order.returnDueTs(), session.userKey(), order));
        }
        if (sessionNumber % PRUNE_EVERY_SESSIONS == 0) {
            long now = session.steps().get(0).ts();
            busyUntil.values().removeIf(until -> until < now);
        }
    }

    private boolean isFree(long userKey, long now) {
        Long until = busyUntil.get(userKey);
        return until == null || until < now;
    }

    private SessionPlanner.ShopContext contextAt(long ts) {
        double priceFactor = 1.0;
        double shiftedFraction = 0.0;
        double rareBuyerBoost = 0.0;
        for (DriftScenario scenario : config.drift()) {
            if (scenario.activeAt(ts, config.startEpochMs())) {
                switch (scenario.kind()) {
                    case PRICE_SHOCK -> priceFactor *= scenario.magnitude();
                    case PREFERENCE_SHIFT -> shiftedFraction = Math.max(shiftedFraction, scenario.magnitude());
                    case WINBACK_CAMPAIGN -> rareBuyerBoost += scenario.magnitude();
                    case BOT_BURST -> { }
                }
            }
        }
        return new SessionPlanner.ShopContext(priceFactor, shiftedFraction, rareBuyerBoost);
    }

    private List<DriftScenario> activeDrift(long ts) {
        List<DriftScenario> scenarios = config.drift();
        int mask = 0;
        for (int i = 0; i < scenarios.size(); i++) {
            if (scenarios.get(i).activeAt(ts, config.startEpochMs())) {
                mask |= 1 << i;
            }
        }
        if (mask == 0) {
            return List.of();
        }
        int finalMask = mask;
        return activeDriftByMask.computeIfAbsent(mask, m -> {
            List<DriftScenario> active = new ArrayList<>();
            for (int i = 0; i < scenarios.size(); i++) {
                if ((finalMask & (1 << i)) != 0) {
                    active.add(scenarios.get(i));
                }
            }
            return List.copyOf(active);
        });
    }

    private void push(Pending pending) {
        pending.sequence = queueSequence++;
        queue.add(pending);
    }

    /** Something due at a simulated time; ties are broken by insertion order, so runs repeat exactly. */
    private abstract static class Pending implements Comparable<Pending> {
        long time;
        long sequence;

        Pending(long time) {
            this.time = time;
        }

        void fire() {
            throw new IllegalStateException("session cursors are emitted, not fired");
        }

        @Override
        public int compareTo(Pending other) {
            int byTime = Long.compare(time, other.time);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    private static final class SessionCursor extends Pending {
        final PlannedSession session;
        int index;
        boolean orderCounted;

        SessionCursor(PlannedSession session) {
            super(session.steps().get(0).ts());
            this.session = session;
        }
    }

    private final class ShopperArrival extends Pending {
        ShopperArrival(long time) {
            super(time);
        }

        @Override
        void fire() {
            startShopperSession(time);
            push(new ShopperArrival(time + exponentialMs(arrivals, config.sessionsPerSecond())));
        }
    }

    private final class BotArrival extends Pending {
        final DriftScenario burst;

        BotArrival(long time, DriftScenario burst) {
            super(time);
            this.burst = burst;
        }

        @Override
        void fire() {
            if (!burst.activeAt(time, config.startEpochMs())) {
                return;
            }
            startBotSession(time);
            double botSessionsPerSecond = config.sessionsPerSecond() * burst.magnitude();
            push(new BotArrival(time + exponentialMs(botArrivals, botSessionsPerSecond), burst));
        }
    }

    private final class ReturnVisit extends Pending {
        final long userKey;
        final PlannedSession.PlannedOrder order;

        ReturnVisit(long time, long userKey, PlannedSession.PlannedOrder order) {
            super(time);
            this.userKey = userKey;
            this.order = order;
        }

        @Override
        void fire() {
            if (isFree(userKey, time)) {
                start(planner.returnSession(sessionNumber++, userKey, order, time));
            } else {
                // Come back once the shopper's current session is well over.
                push(new ReturnVisit(busyUntil.get(userKey) + 60_000, userKey, order));
            }
        }
    }

    /** Milliseconds to the next event of a Poisson process; at least 1 so that time always moves. */
    private static long exponentialMs(SplittableRandom random, double perSecond) {
        return Math.max(1, Math.round(-Math.log(1 - random.nextDouble()) / perSecond * 1000));
    }
}
