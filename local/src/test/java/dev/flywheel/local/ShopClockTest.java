package dev.flywheel.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.simulator.KeyedRecord;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ShopClockTest {
    private static final long T0 = 1_767_225_600_000L;

    @Test
    void noEventPassesWhileTheClockIsHeld() throws Exception {
        ShopClock clock = new ShopClock(3_600);
        clock.awaitTurn(record(T0));
        clock.hold();
        clock.hold();

        // Due at once by its event time, but the clock stands still.
        CountDownLatch passed = new CountDownLatch(1);
        Thread producer = new Thread(() -> {
            clock.awaitTurn(record(T0));
            passed.countDown();
        });
        producer.start();
        assertThat(passed.await(300, TimeUnit.MILLISECONDS)).isFalse();

        clock.release();
        assertThat(passed.await(300, TimeUnit.MILLISECONDS)).as("holds nest").isFalse();

        clock.release();
        assertThat(passed.await(60, TimeUnit.SECONDS)).isTrue();
        producer.join();
    }

    @Test
    void releasingMoreOftenThanHeldIsABug() {
        ShopClock clock = new ShopClock(300);
        assertThatThrownBy(clock::release).isInstanceOf(IllegalStateException.class);
    }

    private static KeyedRecord record(long eventTime) {
        return new KeyedRecord("u1", new byte[0], eventTime, false);
    }
}
