package dev.flywheel.events;

import java.util.Arrays;
import java.util.Objects;

/**
 * A record the pipeline refused, with everything needed to inspect, fix and replay it. Written to
 * {@link Topics#CLICKSTREAM_DLQ} as JSON by {@link DeadLetterCodec}.
 *
 * @param reason          stable reason code ({@link RejectReason#code()})
 * @param detail          human explanation
 * @param sourceTopic     where the record was read from
 * @param sourcePartition its partition
 * @param sourceOffset    its offset
 * @param sourceTimestamp the Kafka record timestamp, epoch ms
 * @param key             the original record key, or null
 * @param payload         the original record value, byte for byte (empty for a null value)
 * @param rejectedAt      wall-clock time of the rejection, epoch ms
 */
public record DeadLetter(
        String reason,
        String detail,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        long sourceTimestamp,
        byte[] key,
        byte[] payload,
        long rejectedAt) {

    // A record compares arrays by identity; a dead letter is its bytes, so compare those.
    @Override
    public boolean equals(Object other) {
        return other instanceof DeadLetter that
                && sourcePartition == that.sourcePartition
                && sourceOffset == that.sourceOffset
                && sourceTimestamp == that.sourceTimestamp
                && rejectedAt == that.rejectedAt
                && Objects.equals(reason, that.reason)
                && Objects.equals(detail, that.detail)
                && Objects.equals(sourceTopic, that.sourceTopic)
                && Arrays.equals(key, that.key)
                && Arrays.equals(payload, that.payload);
    }

    @Override
    public int hashCode() {
        int hash = Objects.hash(reason, detail, sourceTopic, sourcePartition, sourceOffset, sourceTimestamp, rejectedAt);
        return 31 * (31 * hash + Arrays.hashCode(key)) + Arrays.hashCode(payload);
    }

    /** Sizes, not contents: payloads can be large and binary. */
    @Override
    public String toString() {
        return "DeadLetter[reason=" + reason + ", detail=" + detail + ", source=" + sourceTopic + "/" + sourcePartition
                + "@" + sourceOffset + ", sourceTimestamp=" + sourceTimestamp
                + ", key=" + (key == null ? "null" : key.length + " bytes")
                + ", payload=" + (payload == null ? "null" : payload.length + " bytes")
                + ", rejectedAt=" + rejectedAt + "]";
    }
}
