package dev.flywheel.simulator;

import java.util.concurrent.locks.LockSupport;

/**
 * When the next record may go. Sleeps only once at least a millisecond ahead of schedule, so high
 * rates are met in small bursts instead of per-record sleeps the OS cannot honour.
 */
public interface Pacing {

    /** Blocks until {@code record} is due. */
    void awaitTurn(KeyedRecord record);

    /** As fast as the sink takes them. */
    static Pacing unlimited() {
        return record -> { };
    }

    /** A steady rate, token-bucket style; a rate of 0 means unlimited. */
    static Pacing eventsPerSecond(double rate) {
        if (rate < 0) {
            throw new IllegalArgumentException("rate must be >= 0, got " + rate);
        }
        return rate == 0 ? unlimited() : new FixedRate(rate);
    }

    /** Replays event time sped up by {@code speedup} (60: an hour of events in a minute); 0 means unlimited. */
    static Pacing eventTime(double speedup) {
        if (speedup < 0) {
            throw new IllegalArgumentException("speedup must be >= 0, got " + speedup);
        }
        return speedup == 0 ? unlimited() : new EventTime(speedup);
    }

    private static void sleepUntil(long dueNanos) {
        long ahead = dueNanos - System.nanoTime();
        if (ahead > 1_000_000) {
            LockSupport.parkNanos(ahead);
        }
    }

    final class FixedRate implements Pacing {
        /** If the sink falls this far behind, forget the debt rather than burst to catch up. */
        private static final long MAX_DEBT_NANOS = 1_000_000_000L;
        private final double nanosPerRecord;
        private long startNanos = -1;
        private long sent;

        private FixedRate(double rate) {
            this.nanosPerRecord = 1e9 / rate;
        }

        @Override
        public void awaitTurn(KeyedRecord record) {
            long now = System.nanoTime();
            if (startNanos < 0) {
                startNanos = now;
            }
            long due = startNanos + (long) (sent * nanosPerRecord);
            if (now - due > MAX_DEBT_NANOS) {
                startNanos = now;
                sent = 0;
                due = now;
            }
            sent++;
            sleepUntil(due);
        }
    }

    final class EventTime implements Pacing {
        private final double speedup;
        private long startNanos;
        private long firstEventMs = Long.MIN_VALUE;

        private EventTime(double speedup) {
            this.speedup = speedup;
        }

        @Override
        public void awaitTurn(KeyedRecord record) {
            if (firstEventMs == Long.MIN_VALUE) {
                firstEventMs = record.eventTimeMs();
                startNanos = System.nanoTime();
                return;
            }
            long eventOffsetMs = Math.max(0, record.eventTimeMs() - firstEventMs);
            sleepUntil(startNanos + (long) (eventOffsetMs * 1e6 / speedup));
        }
    }
}
