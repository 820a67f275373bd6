package dev.flywheel.jobs.analytics;

import dev.flywheel.events.EventCodec;
import dev.flywheel.events.Topics;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import dev.flywheel.jobs.KafkaOptions;
import java.io.Serializable;
import java.time.Duration;
import java.util.Set;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * Everything the analytics job can be told, validated once at start-up.
 *
 * @param kafka              brokers, group, offsets, delivery guarantee
 * @param clickstreamTopic   input
 * @param deadLetterTopic    rejected records
 * @param lateTopic          valid events that missed their window
 * @param analyticsTopic     output
 * @param maxOutOfOrderness  how far behind the newest event an event may arrive and still count
 * @param idleness           a source split silent this long stops holding the watermark back
 * @param window             analytics window (one minute by default)
 * @param topCategories      how many categories each record lists
 * @param shards             user shards of the first aggregation stage: the parallelism it can use
 * @param maxPayloadBytes    records larger than this are dead-lettered unparsed
 * @param checkpointInterval how often state is checkpointed (and exactly-once output committed)
 * @param parallelism        job parallelism, or 0 for the cluster's default
 */
public record AnalyticsConfig(
        KafkaOptions kafka,
        String clickstreamTopic,
        String deadLetterTopic,
        String lateTopic,
        String analyticsTopic,
        Duration maxOutOfOrderness,
        Duration idleness,
        Duration window,
        int topCategories,
        int shards,
        int maxPayloadBytes,
        Duration checkpointInterval,
        int parallelism) implements Serializable {

    static final Set<String> ARGUMENTS = Set.of("bootstrap", "group-id", "starting-offsets", "bounded", "delivery",
            "transaction-timeout", "clickstream-topic", "dlq-topic", "late-topic", "analytics-topic",
            "max-out-of-orderness", "idleness", "window", "top-categories", "shards", "max-payload-bytes",
            "checkpoint-interval", "parallelism");

    public AnalyticsConfig {
        require(!maxOutOfOrderness.isNegative(), "--max-out-of-orderness must not be negative");
        require(!idleness.isNegative() && !idleness.isZero(), "--idleness must be positive");
        require(!window.isNegative() && !window.isZero(), "--window must be positive");
        require(topCategories > 0, "--top-categories must be positive");
        require(shards > 0, "--shards must be positive");
        require(maxPayloadBytes > 0, "--max-payload-bytes must be positive");
        require(!checkpointInterval.isNegative() && !checkpointInterval.isZero(),
                "--checkpoint-interval must be positive");
        require(parallelism >= 0, "--parallelism must be 0 (cluster default) or more");
        // A transaction still open when Kafka times it out is aborted and its records lost; it stays
        // open for at least one checkpoint interval, so the timeout must comfortably exceed that.
        require(kafka.delivery() != DeliveryGuarantee.EXACTLY_ONCE
                        || kafka.transactionTimeout().compareTo(checkpointInterval.multipliedBy(3)) > 0,
                "--transaction-timeout must exceed three checkpoint intervals with --delivery exactly-once");
    }

    public static AnalyticsConfig fromArgs(String[] args) {
        return from(JobArgs.parse(args, ARGUMENTS));
    }

    public static AnalyticsConfig from(JobArgs args) {
        return new AnalyticsConfig(
                KafkaOptions.from(args, "flywheel-analytics"),
                args.string("clickstream-topic", Topics.CLICKSTREAM),
                args.string("dlq-topic", Topics.CLICKSTREAM_DLQ),
                args.string("late-topic", Topics.CLICKSTREAM_LATE),
                args.string("analytics-topic", Topics.ANALYTICS),
                args.duration("max-out-of-orderness", Duration.ofSeconds(5)),
                args.duration("idleness", Duration.ofSeconds(30)),
                args.duration("window", Duration.ofMinutes(1)),
                args.integer("top-categories", 5),
                args.integer("shards", 128),
                args.integer("max-payload-bytes", EventCodec.DEFAULT_MAX_PAYLOAD_BYTES),
                args.duration("checkpoint-interval", Duration.ofSeconds(10)),
                args.integer("parallelism", 0));
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new InvalidJobArgumentException(message);
        }
    }
}
