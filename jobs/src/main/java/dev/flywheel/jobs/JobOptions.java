package dev.flywheel.jobs;

import dev.flywheel.events.EventCodec;
import dev.flywheel.events.Topics;
import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import java.io.Serializable;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * What every job that reads the clickstream is told, validated once: Kafka, the input and its
 * dead-letter and late topics, event time, checkpoints and parallelism.
 *
 * @param kafka              brokers, group, offsets, delivery guarantee
 * @param clickstreamTopic   input
 * @param deadLetterTopic    rejected records
 * @param lateTopic          valid events that arrived behind the watermark
 * @param maxOutOfOrderness  how far behind the newest event of its partition an event may arrive
 * @param idleness           a source split silent this long stops holding the watermark back
 * @param maxPayloadBytes    records larger than this are dead-lettered unparsed
 * @param checkpointInterval how often state is checkpointed (and exactly-once output committed)
 * @param checkpointTimeout  a checkpoint that takes longer is abandoned
 * @param parallelism        job parallelism, or 0 for the cluster's default
 */
public record JobOptions(
        KafkaOptions kafka,
        String clickstreamTopic,
        String deadLetterTopic,
        String lateTopic,
        Duration maxOutOfOrderness,
        Duration idleness,
        int maxPayloadBytes,
        Duration checkpointInterval,
        Duration checkpointTimeout,
        int parallelism) implements Serializable {

    /**
     * Time allowed for a job to come back after a failure: an exactly-once sink commits the
     * transactions of the last completed checkpoint only once the job has restarted.
     */
    public static final Duration RESTART_ALLOWANCE = Duration.ofMinutes(1);

    /** The argument names read here; a job adds its own. */
    public static final Set<String> ARGUMENTS = Set.of("bootstrap", "group-id", "starting-offsets", "bounded",
            "delivery", "transaction-timeout", "clickstream-topic", "dlq-topic", "late-topic", "max-out-of-orderness",
            "idleness", "max-payload-bytes", "checkpoint-interval", "checkpoint-timeout", "parallelism", "linger");

    public JobOptions {
        require(!maxOutOfOrderness.isNegative(), "--max-out-of-orderness must not be negative");
        require(!idleness.isNegative() && !idleness.isZero(), "--idleness must be positive");
        require(maxPayloadBytes > 0, "--max-payload-bytes must be positive");
        require(!checkpointInterval.isNegative() && !checkpointInterval.isZero(),
                "--checkpoint-interval must be positive");
        require(!checkpointTimeout.isNegative() && !checkpointTimeout.isZero(), "--checkpoint-timeout must be positive");
        require(parallelism >= 0, "--parallelism must be 0 (cluster default) or more");
        if (kafka.delivery() == DeliveryGuarantee.EXACTLY_ONCE) {
            requireTransactionsOutlast(kafka.transactionTimeout(), checkpointInterval, checkpointTimeout,
                    "--delivery exactly-once");
        }
    }

    /**
     * A transaction Kafka times out is aborted and its records are lost. One stays open from a
     * checkpoint through the next interval and the next checkpoint, and after a failure until the
     * restarted job commits it, so its timeout must exceed interval + checkpoint timeout + restart
     * allowance.
     */
    public void requireTransactionsOutlastCheckpoints(Duration transactionTimeout, String because) {
        requireTransactionsOutlast(transactionTimeout, checkpointInterval, checkpointTimeout, because);
    }

    private static void requireTransactionsOutlast(Duration transactionTimeout, Duration checkpointInterval,
            Duration checkpointTimeout, String because) {
        Duration needed = checkpointInterval.plus(checkpointTimeout).plus(RESTART_ALLOWANCE);
        require(transactionTimeout.compareTo(needed) > 0, "--transaction-timeout (" + transactionTimeout.toSeconds()
                + " s) must exceed --checkpoint-interval + --checkpoint-timeout + " + RESTART_ALLOWANCE.toSeconds()
                + " s for a restart (" + needed.toSeconds() + " s) with " + because);
    }

    public static JobOptions from(JobArgs args, String defaultGroupId) {
        return new JobOptions(
                KafkaOptions.from(args, defaultGroupId),
                args.string("clickstream-topic", Topics.CLICKSTREAM),
                args.string("dlq-topic", Topics.CLICKSTREAM_DLQ),
                args.string("late-topic", Topics.CLICKSTREAM_LATE),
                args.duration("max-out-of-orderness", Duration.ofSeconds(5)),
                args.duration("idleness", Duration.ofSeconds(30)),
                args.integer("max-payload-bytes", EventCodec.DEFAULT_MAX_PAYLOAD_BYTES),
                args.duration("checkpoint-interval", Duration.ofSeconds(10)),
                args.duration("checkpoint-timeout", Duration.ofMinutes(10)),
                args.integer("parallelism", 0));
    }

    /** These arguments plus a job's own. */
    public static Set<String> argumentsWith(String... jobArguments) {
        return Stream.concat(ARGUMENTS.stream(), Stream.of(jobArguments)).collect(Collectors.toUnmodifiableSet());
    }

    public static void require(boolean condition, String message) {
        if (!condition) {
            throw new InvalidJobArgumentException(message);
        }
    }
}
