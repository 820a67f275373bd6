package dev.flywheel.jobs;

import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * How a job talks to Kafka, validated as a whole.
 *
 * @param bootstrapServers   broker list
 * @param groupId            consumer group of the job's sources
 * @param startingOffsets    where a job without a checkpoint starts reading
 * @param bounded            stop at the offsets that were latest when the job started (replays, tests)
 * @param delivery           sink guarantee; exactly-once uses Kafka transactions committed on checkpoints
 * @param transactionTimeout Kafka transaction timeout for exactly-once sinks
 * @param linger             how long a sink's producer waits to fill a batch: latency against throughput
 */
public record KafkaOptions(
        String bootstrapServers,
        String groupId,
        StartingOffsets startingOffsets,
        boolean bounded,
        DeliveryGuarantee delivery,
        Duration transactionTimeout,
        Duration linger) implements Serializable {

    public enum StartingOffsets { EARLIEST, LATEST, COMMITTED }

    public static KafkaOptions from(JobArgs args, String defaultGroupId) {
        return new KafkaOptions(
                args.required("bootstrap"),
                args.string("group-id", defaultGroupId),
                args.choice("starting-offsets", StartingOffsets.class, StartingOffsets.COMMITTED),
                args.bool("bounded", false),
                args.choice("delivery", DeliveryGuarantee.class, DeliveryGuarantee.AT_LEAST_ONCE),
                args.duration("transaction-timeout", Duration.ofMinutes(15)),
                args.duration("linger", Duration.ofMillis(5)));
    }
}
