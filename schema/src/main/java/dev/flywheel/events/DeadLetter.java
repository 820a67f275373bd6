package dev.flywheel.events;

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
}
