package dev.flywheel.trainer.dataset;

import dev.flywheel.decisions.Decision;
import dev.flywheel.decisions.DecisionJson;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.outcomes.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Training rows from the scoring job's {@code outcomes} topic: each outcome carries the feature
 * vector its decision was scored on and the label the platform gave it, so training reads exactly
 * what serving saw.
 *
 * <p>Read {@code read_committed}, from the beginning to the end offsets of the moment the read
 * starts: outcomes are written in Kafka transactions, and the copies of an aborted transaction
 * (a failure between two checkpoints) must not become duplicate rows. Every model version, variant
 * and shadow of one event decided on the same vector, so an event is one row whichever of its
 * outcomes is read first; outcomes of other models, of another feature spec version, or outside the
 * event-time window are counted and left out.
 */
public final class OutcomeExamples {

    /**
     * @param model    only this model's outcomes
     * @param fromTime first event time taken (inclusive), epoch ms; {@link Long#MIN_VALUE}: from the start
     * @param toTime   last event time taken (exclusive), epoch ms; {@link Long#MAX_VALUE}: to the end
     */
    public record Selection(String model, long fromTime, long toTime) {
        public Selection {
            if (fromTime >= toTime) {
                throw new IllegalArgumentException("the window's start must come before its end");
            }
        }

        public static Selection all(String model) {
            return new Selection(model, Long.MIN_VALUE, Long.MAX_VALUE);
        }

        boolean takes(Decision decision) {
            return decision.model().equals(model) && decision.eventTime() >= fromTime && decision.eventTime() < toTime;
        }
    }

    /** What a read took and what it left out, for the run's report. */
    public record Read(LabelledExamples examples, long records, long otherModels, long outsideWindow,
            long otherSpecVersions, long repeatedEvents, long unreadable) {
    }

    private OutcomeExamples() {
    }

    /** Reads the topic on the brokers; throws IllegalArgumentException if the topic does not exist. */
    public static Read read(String bootstrapServers, String topic, Selection selection, Duration pollTimeout) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        properties.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, pollTimeout);
            if (partitions == null || partitions.isEmpty()) {
                throw new IllegalArgumentException("topic '" + topic + "' does not exist on " + bootstrapServers);
            }
            List<TopicPartition> assigned = partitions.stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            // Under read_committed these are the last stable offsets: nothing past an open transaction.
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(assigned, pollTimeout));
            Builder builder = new Builder(selection);
            DecisionJson json = new DecisionJson();
            while (!end.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(pollTimeout)) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    Long last = end.get(partition);
                    if (last == null || record.offset() >= last) {
                        continue;
                    }
                    builder.add(record.value(), json);
                }
                end.entrySet().removeIf(entry -> consumer.position(entry.getKey(), pollTimeout) >= entry.getValue());
            }
            return builder.build();
        }
    }

    /** The same selection over outcomes already read (tests, files): the one definition of a row. */
    public static Read of(List<byte[]> outcomeJson, Selection selection) {
        Builder builder = new Builder(selection);
        DecisionJson json = new DecisionJson();
        outcomeJson.forEach(bytes -> builder.add(bytes, json));
        return builder.build();
    }

    private static final class Builder {
        private final Selection selection;
        private final int specVersion = FeatureSpec.current().version();
        private final int width = FeatureSpec.current().size();
        private final Set<String> events = new HashSet<>();
        private final List<LabelledExample> examples = new ArrayList<>();
        private long records;
        private long otherModels;
        private long outsideWindow;
        private long otherSpecVersions;
        private long repeatedEvents;
        private long unreadable;

        Builder(Selection selection) {
            this.selection = selection;
        }

        void add(byte[] value, DecisionJson json) {
            records++;
            Outcome outcome;
            try {
                outcome = json.decodeOutcome(value);
            } catch (RuntimeException e) {
                unreadable++;
                return;
            }
            Decision decision = outcome.decision();
            if (!decision.model().equals(selection.model())) {
                otherModels++;
            } else if (!selection.takes(decision)) {
                outsideWindow++;
            } else if (decision.specVersion() != specVersion || decision.features().length != width) {
                otherSpecVersions++;
            } else if (!events.add(decision.eventId())) {
                repeatedEvents++;
            } else {
                examples.add(new LabelledExample(decision.eventId(), decision.features(), outcome.purchased(),
                        decision.eventTime(), Double.NaN));
            }
        }

        Read build() {
            // The feature layer's order: event time, then event id.
            examples.sort(Comparator.comparingLong(LabelledExample::eventTime).thenComparing(LabelledExample::eventId));
            return new Read(new LabelledExamples(FeatureSpec.current().names(), examples), records, otherModels,
                    outsideWindow, otherSpecVersions, repeatedEvents, unreadable);
        }
    }
}
