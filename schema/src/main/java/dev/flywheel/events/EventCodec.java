package dev.flywheel.events;

import java.time.Clock;

/** JSON <-> {@link ShopperEvent}. Placeholder signatures; implementation in progress. */
public final class EventCodec {
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;

    public EventCodec() {
        this(Clock.systemUTC(), DEFAULT_MAX_PAYLOAD_BYTES);
    }

    public EventCodec(Clock clock, int maxPayloadBytes) {
    }

    public Decoded decode(byte[] bytes) {
        throw new UnsupportedOperationException();
    }

    public byte[] encode(ShopperEvent event) {
        throw new UnsupportedOperationException();
    }
}
