package dev.flywheel.registry.release;

import static dev.flywheel.registry.release.Reports.comparing;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.embedded.EmbeddedKafkaExtension;
import dev.flywheel.events.Topics;
import dev.flywheel.health.ModelHealthJson;
import dev.flywheel.health.ModelHealthReport;
import dev.flywheel.health.ModelHealthReport.Verdict;
import dev.flywheel.health.ReleaseDecision;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.models.ServingVariant;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.store.FileSystemModelStore;
import dev.flywheel.registry.testing.Descriptors;
import dev.flywheel.registry.testing.TestRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller against a real broker and a real registry: a worse challenger is rolled back
 * while the champion keeps serving, a stale report of that pair changes nothing, and a challenger
 * shown no worse is promoted; each move is on model-health with its evidence.
 */
class ReleaseControllerKafkaTest {
    private static final String MODEL = Descriptors.MODEL;

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    Path storeDir;

    @Test
    void rollsBackAWorseChallengerAndPromotesOneThatIsNoWorse() throws Exception {
        String bootstrap = KAFKA.kafka().bootstrapServers();
        KAFKA.kafka().createTopic(Topics.MODEL_UPDATES, 1, Map.of("cleanup.policy", "compact"));
        KAFKA.kafka().createTopic(Topics.MODEL_HEALTH, 1);
        List<ReleaseDecision> told = new CopyOnWriteArrayList<>();
        try (RegistryService service = TestRegistry.start(FileSystemModelStore.open(storeDir), bootstrap);
                KafkaProducer<byte[], byte[]> monitor = producer(bootstrap)) {
            RegistryClient registry = TestRegistry.editor(service);
            for (int seed = 1; seed <= 3; seed++) {
                byte[] onnx = Descriptors.goodModel(seed);
                registry.register(Descriptors.forArtifact(onnx), onnx);
            }
            registry.setAliases(MODEL, new AliasUpdate(1, 2, 0, 0.2, 0));

            try (ReleaseController controller = ReleaseController.onKafka(registry, bootstrap, told::add).start()) {
                publish(monitor, comparing(MODEL, 1, 2, Verdict.NO_VERDICT, 300, 0.01, 0.02));
                publish(monitor, comparing(MODEL, 1, 2, Verdict.CHALLENGER_WORSE, 900, 0.03, 0.006));
                await(() -> told.size() == 1);
                ServingConfig afterRollback = registry.servingConfig(MODEL);
                assertThat(afterRollback.variant(ServingVariant.CHAMPION)).hasValueSatisfying(v -> {
                    assertThat(v.version()).isEqualTo(1);
                    assertThat(v.trafficShare()).isEqualTo(1.0);
                });
                assertThat(afterRollback.variant(ServingVariant.CHALLENGER)).isEmpty();
                assertThat(registry.describe(MODEL, 2).status()).isEqualTo(dev.flywheel.models.ModelStatus.ARCHIVED);

                // The same pair again, then a new challenger shown no worse: only the second moves.
                publish(monitor, comparing(MODEL, 1, 2, Verdict.CHALLENGER_WORSE, 1_200, 0.03, 0.005));
                registry.setAliases(MODEL, new AliasUpdate(1, 3, 0, 0.1, 0));
                publish(monitor, comparing(MODEL, 1, 3, Verdict.NO_VERDICT, 5_000, -0.0005, 0.0004));
                await(() -> told.size() == 2);
                assertThat(registry.servingConfig(MODEL).variant(ServingVariant.CHAMPION))
                        .hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(3));
            }
            assertThat(told).extracting(ReleaseDecision::action, ReleaseDecision::challenger).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(ReleaseDecision.Action.ROLL_BACK, 2),
                    org.assertj.core.groups.Tuple.tuple(ReleaseDecision.Action.PROMOTE, 3));

            List<ReleaseDecision> onTopic = new ArrayList<>();
            KAFKA.kafka().readAll(Topics.MODEL_HEALTH, Duration.ofSeconds(30)).forEach(record -> {
                if (ReleaseDecision.isRelease(record.value())) {
                    onTopic.add(ModelHealthJson.decodeValue(record.value(), ReleaseDecision.class));
                }
            });
            assertThat(onTopic).isEqualTo(told);
            assertThat(onTopic.get(0).evidence()).containsEntry("challenger_labelled", 900.0).containsKey("p_value");
            assertThat(onTopic.get(1).reason()).contains("at least as good");
        }
    }

    private static void publish(KafkaProducer<byte[], byte[]> producer, ModelHealthReport report) throws Exception {
        producer.send(new ProducerRecord<>(Topics.MODEL_HEALTH, report.model().getBytes(StandardCharsets.UTF_8),
                ModelHealthJson.encode(report))).get();
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for the controller").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
