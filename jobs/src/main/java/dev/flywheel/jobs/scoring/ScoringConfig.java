package dev.flywheel.jobs.scoring;

import dev.flywheel.events.EventCodec;
import dev.flywheel.events.Topics;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import dev.flywheel.jobs.KafkaOptions;
import java.io.Serializable;
import java.time.Duration;
import java.util.Set;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * Everything the scoring job can be told, validated once at start-up.
 *
 * @param kafka              brokers, group, offsets, delivery guarantee
 * @param clickstreamTopic   input
 * @param deadLetterTopic    rejected records
 * @param lateTopic          valid events that were behind the watermark and got no features
 * @param featuresTopic      one feature vector per event
 * @param maxOutOfOrderness  how far behind the newest event of its partition an event may arrive;
 *                           features wait this long (plus the watermark interval) before they are made
 * @param idleness           a source split silent this long stops holding the watermark back
 * @param features           top-K categories and the state TTL of users and items
 * @param maxPayloadBytes    records larger than this are dead-lettered unparsed
 * @param checkpointInterval how often state is checkpointed
 * @param parallelism        job parallelism, or 0 for the cluster's default
 */
public record ScoringConfig(
        KafkaOptions kafka,
        String clickstreamTopic,
        String deadLetterTopic,
        String lateTopic,
        String featuresTopic,
        Duration maxOutOfOrderness,
        Duration idleness,
        FeatureSettings features,
        int maxPayloadBytes,
        Duration checkpointInterval,
        int parallelism) implements Serializable {

    static final Set<String> ARGUMENTS = Set.of("bootstrap", "group-id", "starting-offsets", "bounded", "delivery",
            "transaction-timeout", "clickstream-topic", "dlq-topic", "late-topic", "features-topic",
            "max-out-of-orderness", "idleness", "top-categories", "state-ttl", "max-payload-bytes",
            "checkpoint-interval", "parallelism");

    public ScoringConfig {
        require(!maxOutOfOrderness.isNegative(), "--max-out-of-orderness must not be negative");
        require(!idleness.isNegative() && !idleness.isZero(), "--idleness must be positive");
        require(maxPayloadBytes > 0, "--max-payload-bytes must be positive");
        require(!checkpointInterval.isNegative() && !checkpointInterval.isZero(),
                "--checkpoint-interval must be positive");
        require(parallelism >= 0, "--parallelism must be 0 (cluster default) or more");
        require(kafka.delivery() != DeliveryGuarantee.EXACTLY_ONCE
                        || kafka.transactionTimeout().compareTo(checkpointInterval.multipliedBy(3)) > 0,
                "--transaction-timeout must exceed three checkpoint intervals with --delivery exactly-once");
    }

    public static ScoringConfig fromArgs(String[] args) {
        return from(JobArgs.parse(args, ARGUMENTS));
    }

    public static ScoringConfig from(JobArgs args) {
        int topCategories = args.integer("top-categories", FeatureSpec.DEFAULT_TOP_CATEGORIES);
        Duration stateTtl = args.duration("state-ttl", FeatureSettings.defaults().stateTtl());
        require(topCategories > 0, "--top-categories must be positive");
        require(stateTtl.compareTo(FeatureSpec.SESSION_GAP) >= 0,
                "--state-ttl must be at least the session gap (" + FeatureSpec.SESSION_GAP + ")");
        return new ScoringConfig(
                KafkaOptions.from(args, "flywheel-scoring"),
                args.string("clickstream-topic", Topics.CLICKSTREAM),
                args.string("dlq-topic", Topics.CLICKSTREAM_DLQ),
                args.string("late-topic", Topics.CLICKSTREAM_LATE),
                args.string("features-topic", Topics.FEATURES),
                args.duration("max-out-of-orderness", Duration.ofSeconds(5)),
                args.duration("idleness", Duration.ofSeconds(30)),
                new FeatureSettings(topCategories, stateTtl),
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
