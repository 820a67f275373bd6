package dev.flywheel.simulator;

import dev.flywheel.events.EventCodec;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * The simulator's events as wire records, keyed by user, with a given fraction replaced by malformed
 * records, counting exactly what was produced.
 *
 * <p>Malformed records are spread evenly and their number is exact: with a limit, exactly
 * {@code round(limit * rate)} of the records are malformed (100,000 at 0.01: 1,000; 101,000 at
 * 1,000/101,000: 1,000); without one, exactly {@code round(rate * 1e6)} in every million. Their kinds
 * rotate through {@link MalformedRecords#kindFor} by malformed-record number, so evenly spaced
 * positions don't alias onto one kind. A replaced event still counts in {@link ShopSimulator#stats()},
 * which describes the shop, not the wire; use {@link #counts()} for what was sent.
 */
public final class SimulatedClickstream implements RecordStream {
    private static final long PARTS_WITHOUT_LIMIT = 1_000_000;

    private final ShopSimulator simulator;
    private final long limit;
    /** Bresenham-style spreading: {@code malformedPerPeriod} malformed records in every {@code period}. */
    private final long malformedPerPeriod;
    private final long period;
    private final EventCodec codec;
    private final SplittableRandom corruption;
    private final RecordCounts.Counter counter = new RecordCounts.Counter();
    private long spread;
    private long produced;
    private long malformed;

    /**
     * @param limit         records to produce, {@code Long.MAX_VALUE} for no end
     * @param malformedRate fraction of records to replace, in [0, 1]
     */
    public SimulatedClickstream(ShopSimulator simulator, long limit, double malformedRate) {
        this(simulator, limit, malformedRate, new EventCodec());
    }

    public SimulatedClickstream(ShopSimulator simulator, long limit, double malformedRate, EventCodec codec) {
        if (!(malformedRate >= 0 && malformedRate <= 1)) {
            throw new IllegalArgumentException("malformed rate must be in [0, 1], got " + malformedRate);
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0, got " + limit);
        }
        this.simulator = simulator;
        this.limit = limit;
        // Beyond half of Long.MAX_VALUE the spreading sum could overflow; such limits mean "no end" anyway.
        this.period = limit > Long.MAX_VALUE / 2 || limit == 0 ? PARTS_WITHOUT_LIMIT : limit;
        this.malformedPerPeriod = Math.round(malformedRate * period);
        this.codec = codec;
        this.corruption = DerivedRandom.of(simulator.config().seed(), DerivedRandom.MALFORMED, 0);
    }

    public ShopSimulator simulator() {
        return simulator;
    }

    @Override
    public RecordCounts counts() {
        return counter.snapshot();
    }

    @Override
    public boolean hasNext() {
        return produced < limit;
    }

    @Override
    public KeyedRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        SimulatedEvent simulated = simulator.next();
        byte[] json = codec.encode(simulated.event());
        produced++;
        String key = simulated.event().userId();
        long ts = simulated.event().ts();
        if (isMalformedPosition()) {
            MalformedRecords.Kind kind = MalformedRecords.kindFor(malformed++);
            counter.malformed(kind.name());
            return new KeyedRecord(key, MalformedRecords.corrupt(kind, json, corruption), ts, true);
        }
        counter.valid(simulated.event().type());
        return new KeyedRecord(key, json, ts, false);
    }

    private boolean isMalformedPosition() {
        spread += malformedPerPeriod;
        if (spread >= period) {
            spread -= period;
            return true;
        }
        return false;
    }
}
