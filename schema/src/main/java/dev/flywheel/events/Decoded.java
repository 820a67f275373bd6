package dev.flywheel.events;

import java.util.Objects;

/** The outcome of decoding one record: an event, or a rejection with its reason. Never an exception. */
public sealed interface Decoded {

    record Accepted(ShopperEvent event) implements Decoded {
        public Accepted {
            Objects.requireNonNull(event, "event");
        }
    }

    /**
     * @param reason the stable reason code
     * @param detail a short human explanation naming the field, for example
     *               {@code "field 'price' is a string, expected a number"}
     */
    record Rejected(RejectReason reason, String detail) implements Decoded {
        public Rejected {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
