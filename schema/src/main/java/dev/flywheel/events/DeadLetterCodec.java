package dev.flywheel.events;

/** JSON <-> {@link DeadLetter}. Placeholder signatures; implementation in progress. */
public final class DeadLetterCodec {
    public byte[] encode(DeadLetter letter) {
        throw new UnsupportedOperationException();
    }

    public DeadLetter decode(byte[] json) {
        throw new UnsupportedOperationException();
    }
}
