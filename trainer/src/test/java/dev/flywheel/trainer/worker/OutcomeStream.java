package dev.flywheel.trainer.worker;

import dev.flywheel.decisions.Decision;
import dev.flywheel.decisions.DecisionJson;
import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.ItemEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.outcomes.Outcome;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What the scoring job would have written to {@code outcomes} for a simulated shop: each event's
 * logged vector (the feature layer's offline replay) with the attribution's label, as committed
 * Kafka transactions, under any model name a test wants.
 *
 * <p>A quiet shop (0.15 sessions a second): 10,000 events span about three hours, enough for the
 * 30-minute purge and censoring of the time split to leave about 5,400 training and 1,600 holdout
 * rows.
 */
final class OutcomeStream {
    static final int EVENTS = 10_000;

    private final List<ShopperEvent> events;
    private final List<FeatureVector> vectors = new ArrayList<>();
    private final boolean[] labels;

    OutcomeStream(long seed) {
        events = new ShopSimulator(SimulatorConfig.defaults(seed).withUsers(3_000).withSessionsPerSecond(0.15))
                .take(EVENTS).stream().map(SimulatedEvent::event).sorted(OfflineFeatureReplay.EVENT_ORDER).toList();
        labels = Attribution.defaults().labels(events);
        OfflineFeatureReplay replay = new OfflineFeatureReplay(FeatureSettings.defaults());
        events.forEach(event -> vectors.add(replay.apply(event)));
    }

    /** First event time: a window starting here takes every event. */
    long start() {
        return events.get(0).ts();
    }

    /** Just after the last event time. */
    long end() {
        return events.get(events.size() - 1).ts() + 1;
    }

    /** The rows as a trainer reads them, with labels replaced when {@code shuffledSeed} is given (a model that learns nothing). */
    LabelledExamples examples(Long shuffledSeed) {
        boolean[] used = labels.clone();
        if (shuffledSeed != null) {
            java.util.Random random = new java.util.Random(shuffledSeed);
            for (int i = used.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                boolean swap = used[i];
                used[i] = used[j];
                used[j] = swap;
            }
        }
        List<LabelledExample> rows = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            rows.add(new LabelledExample(events.get(i).eventId(), vectors.get(i).values(), used[i], events.get(i).ts(),
                    Double.NaN));
        }
        return new LabelledExamples(FeatureSpec.current().names(), rows);
    }

    /** Writes one outcome per event, decided by {@code model} v1, to a new topic, in two committed transactions. */
    void writeTo(EmbeddedKafka kafka, String topic, String model) {
        kafka.createTopic(topic, 2);
        DecisionJson json = new DecisionJson();
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        properties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "outcome-stream-" + topic);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            for (int half = 0; half < 2; half++) {
                producer.beginTransaction();
                for (int i = half * events.size() / 2; i < (half + 1) * events.size() / 2; i++) {
                    ShopperEvent event = events.get(i);
                    producer.send(new ProducerRecord<>(topic, event.userId().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            json.encode(outcome(event, vectors.get(i), model, labels[i]))));
                }
                producer.commitTransaction();
            }
        }
    }

    private static Outcome outcome(ShopperEvent event, FeatureVector vector, String model, boolean purchased) {
        Decision decision = new Decision(Decision.idOf(event.eventId(), model, 1), event.eventId(), event.type(),
                event.userId(), event.sessionId(), event instanceof ItemEvent item ? item.itemId() : null, model, 1,
                "champion", 0.25, vector.specVersion(), vector.values(), event.ts(), event.ts() + 3);
        long labelTime = purchased ? event.ts() + 1 : event.ts() + Attribution.DEFAULT_WINDOW.toMillis();
        return new Outcome(decision, purchased, labelTime, Attribution.DEFAULT_WINDOW.toMillis(),
                purchased ? "o-" + event.eventId() : null, 0, 0);
    }
}
