package dev.flywheel.local;

import dev.flywheel.simulator.KeyedRecord;
import dev.flywheel.simulator.Pacing;
import java.util.concurrent.locks.LockSupport;

/**
 * The pace of live traffic: shop time at {@code speed} times the wall clock, standing still while
 * the platform does work that takes seconds of wall time (training, a registration validated in a
 * child JVM). In a real shop those seconds are seconds; at 300 times the wall clock they would be
 * a shop hour, and how the run went would depend on how fast this machine trains. Holding the
 * clock keeps the platform's own latency what it really is next to the shop's hours.
 */
final class ShopClock implements Pacing {
    /** How long a wait for its turn sleeps before looking again whether the clock was held. */
    private static final long STEP_NANOS = 20_000_000L;

    private final double speed;
    private long firstEventMs = Long.MIN_VALUE;
    private long startNanos;
    private int holds;
    private long heldSince;

    /** @param speed shop seconds per wall second */
    ShopClock(double speed) {
        if (!(speed > 0)) {
            throw new IllegalArgumentException("speed must be positive, was " + speed);
        }
        this.speed = speed;
    }

    /** Stops shop time until as many {@link #release}s; holds nest. */
    synchronized void hold() {
        if (holds++ == 0) {
            heldSince = System.nanoTime();
        }
    }

    synchronized void release() {
        if (holds == 0) {
            throw new IllegalStateException("released more often than held");
        }
        if (--holds == 0) {
            // The wall time the clock stood still moves every later event's turn back by as much.
            startNanos += System.nanoTime() - heldSince;
            notifyAll();
        }
    }

    @Override
    public void awaitTurn(KeyedRecord record) {
        while (true) {
            long due;
            synchronized (this) {
                while (holds > 0) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (firstEventMs == Long.MIN_VALUE) {
                    firstEventMs = record.eventTimeMs();
                    startNanos = System.nanoTime();
                    return;
                }
                due = startNanos + (long) (Math.max(0, record.eventTimeMs() - firstEventMs) * 1e6 / speed);
            }
            long ahead = due - System.nanoTime();
            if (ahead <= 0) {
                return;
            }
            LockSupport.parkNanos(Math.min(ahead, STEP_NANOS));
        }
    }
}
