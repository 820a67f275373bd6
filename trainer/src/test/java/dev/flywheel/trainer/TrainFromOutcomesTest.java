package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.decisions.Decision;
import dev.flywheel.decisions.DecisionJson;
import dev.flywheel.embedded.EmbeddedKafkaExtension;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.ItemEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.outcomes.Outcome;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.OutcomeExamples;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Training on what serving saw: rows read back from a real {@code outcomes} topic must be exactly
 * the rows the feature layer and the attribution rule give for the same events (one per event,
 * whatever variants and shadows decided it, nothing from an aborted transaction), and the trainer
 * command trains on them.
 */
class TrainFromOutcomesTest {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    static final String MODEL = "purchase-propensity";
    static final String TOPIC = "outcomes";
    static final int EVENTS = 40_000;

    /** The rows the topic must give: the offline replay's vectors with the attribution's labels. */
    static List<LabelledExample> expected;
    static long committedRecords;
    static long shadows;
    static long otherModel;

    @BeforeAll
    static void writeOutcomes() throws Exception {
        // A quiet shop (one session every 2 s), so the 40,000 events span several hours of label windows.
        List<ShopperEvent> events = new ShopSimulator(SimulatorConfig.defaults(11).withUsers(4_000)
                .withSessionsPerSecond(0.5)).take(EVENTS).stream().map(SimulatedEvent::event)
                .sorted(OfflineFeatureReplay.EVENT_ORDER).toList();
        boolean[] labels = Attribution.defaults().labels(events);
        OfflineFeatureReplay replay = new OfflineFeatureReplay(FeatureSettings.defaults());
        DecisionJson json = new DecisionJson();
        expected = new ArrayList<>();
        List<byte[]> committed = new ArrayList<>();
        List<byte[]> aborted = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            ShopperEvent event = events.get(i);
            FeatureVector vector = replay.apply(event);
            expected.add(new LabelledExample(event.eventId(), vector.values(), labels[i], event.ts(), Double.NaN));
            boolean challenger = i % 5 == 0;
            committed.add(json.encode(outcome(event, vector, MODEL, challenger ? 2 : 1,
                    challenger ? "challenger" : "champion", labels[i])));
            if (i % 3 == 0) {
                committed.add(json.encode(outcome(event, vector, MODEL, 3, "shadow", labels[i])));
                shadows++;
            }
            if (i % 7 == 0) {
                committed.add(json.encode(outcome(event, vector, "search-ranker", 1, "champion", labels[i])));
                otherModel++;
            }
            if (i % 11 == 0) {
                // A copy a failed checkpoint wrote and aborted, with the opposite label: must never be read.
                aborted.add(json.encode(outcome(event, vector, MODEL, 1, "champion", !labels[i])));
            }
        }
        committed.add("{\"not\":\"an outcome\"}".getBytes(StandardCharsets.UTF_8));
        committedRecords = committed.size();

        KAFKA.kafka().createTopic(TOPIC, 3);
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.kafka().bootstrapServers());
        properties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "outcome-examples-test");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            committed.subList(0, committed.size() / 2).forEach(value -> producer.send(new ProducerRecord<>(TOPIC, value)));
            producer.commitTransaction();
            producer.beginTransaction();
            aborted.forEach(value -> producer.send(new ProducerRecord<>(TOPIC, value)));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            committed.subList(committed.size() / 2, committed.size())
                    .forEach(value -> producer.send(new ProducerRecord<>(TOPIC, value)));
            producer.commitTransaction();
        }
    }

    @Test
    void theTopicGivesTheOfflineReplaysRowsOncePerEventAndNothingAborted() {
        OutcomeExamples.Read read = OutcomeExamples.read(KAFKA.kafka().bootstrapServers(), TOPIC,
                OutcomeExamples.Selection.all(MODEL), Duration.ofSeconds(30));

        assertThat(read.records()).isEqualTo(committedRecords);
        assertThat(read.examples().examples()).isEqualTo(expected);
        assertThat(read.repeatedEvents()).isEqualTo(shadows);
        assertThat(read.otherModels()).isEqualTo(otherModel);
        assertThat(read.unreadable()).isEqualTo(1);
        assertThat(read.otherSpecVersions()).isZero();
        assertThat(read.examples().positives()).isPositive();
    }

    @Test
    void anEventTimeWindowTakesItsEventsOnly() {
        long from = expected.get(10_000).eventTime();
        long to = expected.get(20_000).eventTime();
        OutcomeExamples.Read read = OutcomeExamples.read(KAFKA.kafka().bootstrapServers(), TOPIC,
                new OutcomeExamples.Selection(MODEL, from, to), Duration.ofSeconds(30));

        List<LabelledExample> inWindow = expected.stream()
                .filter(e -> e.eventTime() >= from && e.eventTime() < to).toList();
        assertThat(inWindow).hasSizeGreaterThan(9_000);
        assertThat(read.examples().examples()).isEqualTo(inWindow);
        assertThat(read.outsideWindow()).isPositive();
    }

    @Test
    void aVectorOfAnotherSpecVersionIsLeftOut() {
        DecisionJson json = new DecisionJson();
        LabelledExample row = expected.get(0);
        Decision old = new Decision("e/m/1", "e", dev.flywheel.events.EventType.VIEW, "u", "s", "i", MODEL, 1,
                "champion", 0.5, 0, new double[] {1, 2, 3}, row.eventTime(), row.eventTime());
        OutcomeExamples.Read read = OutcomeExamples.of(List.of(json.encode(new Outcome(old, false,
                row.eventTime(), 1_800_000, null, 0, 0))), OutcomeExamples.Selection.all(MODEL));

        assertThat(read.examples().size()).isZero();
        assertThat(read.otherSpecVersions()).isEqualTo(1);
    }

    @Test
    void aMissingTopicIsAClearError() {
        assertThatThrownBy(() -> OutcomeExamples.read(KAFKA.kafka().bootstrapServers(), "no-such-topic",
                OutcomeExamples.Selection.all(MODEL), Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("topic 'no-such-topic' does not exist");
    }

    @Test
    void theTrainCommandTrainsOnTheTopic(@org.junit.jupiter.api.io.TempDir Path temp) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = TrainerCli.execute(new String[] {"train", "--bootstrap", KAFKA.kafka().bootstrapServers(),
                "--outcomes-topic", TOPIC, "--out", temp.toString()}, new PrintWriter(out, true), new PrintWriter(err, true));

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains(String.format("%,d rows", expected.size()), "AUC ")
                .doesNotContain("best achievable");
        assertThat(Files.size(temp.resolve(TrainingArtifacts.MODEL_FILE))).isPositive();
        assertThat(Files.readString(temp.resolve(TrainingArtifacts.DESCRIPTOR_FILE))).contains("outcomes=" + TOPIC);
    }

    @Test
    void aWindowWithTooFewRowsIsAOneLineError(@org.junit.jupiter.api.io.TempDir Path temp) {
        Instant from = Instant.ofEpochMilli(expected.get(100).eventTime());
        Instant until = Instant.ofEpochMilli(expected.get(200).eventTime());
        StringWriter err = new StringWriter();
        int exit = TrainerCli.execute(new String[] {"train", "--bootstrap", KAFKA.kafka().bootstrapServers(),
                "--outcomes-topic", TOPIC, "--from", from.toString(), "--until", until.toString(), "--out",
                temp.toString()}, new PrintWriter(new StringWriter()), new PrintWriter(err, true));

        assertThat(exit).isEqualTo(TrainerCli.EXIT_FAILURE);
        assertThat(err.toString().strip()).hasLineCount(1).contains("training needs at least 1,000");
    }

    static Outcome outcome(ShopperEvent event, FeatureVector vector, String model, int version, String variant,
            boolean purchased) {
        Decision decision = new Decision(Decision.idOf(event.eventId(), model, version), event.eventId(), event.type(),
                event.userId(), event.sessionId(), event instanceof ItemEvent item ? item.itemId() : null, model,
                version, variant, 0.25, vector.specVersion(), vector.values(), event.ts(), event.ts() + 3);
        long labelTime = purchased ? event.ts() + 1 : event.ts() + Attribution.DEFAULT_WINDOW.toMillis();
        return new Outcome(decision, purchased, labelTime, Attribution.DEFAULT_WINDOW.toMillis(),
                purchased ? "o-" + event.eventId() : null, 0, 0);
    }
}
