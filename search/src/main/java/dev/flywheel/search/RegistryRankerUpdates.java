package dev.flywheel.search;

import dev.flywheel.features.SearchRankingFeatures;
import dev.flywheel.models.ModelJson;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.models.ServingVariant;
import dev.flywheel.registry.api.Sha256;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.client.RegistryClientException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Keeps the search engine on the registry's champion {@code search-ranker}, as the scoring job keeps
 * its models: reads the compacted {@code model-updates} topic from the beginning (its last record per
 * model is the whole serving state), and on each change of the ranker's champion downloads the
 * version from the registry, checks it and swaps it in. A version that fails any check (download,
 * sha256 against the serving config, input names and order, ONNX load, a warm-up that must score
 * finitely) is refused and the ranker already serving keeps serving; an unreachable registry is
 * retried. A serving config with no champion (every version archived) returns the engine to fusion.
 *
 * <p>Only the champion is served: challenger and shadow rankers (a traffic split, a shadow log)
 * are not wired into the search service yet.
 *
 * <p>A swapped-out ranker's ONNX session is closed at the next swap, not at once: a search that
 * took it just before the swap may still be scoring with it, and a search takes milliseconds.
 */
public final class RegistryRankerUpdates implements AutoCloseable {
    /** Builds a servable ranker from verified ONNX bytes; throws IllegalArgumentException to refuse them. */
    @FunctionalInterface
    public interface RankerLoader {
        Reranker load(String version, byte[] onnx);
    }

    /** A version the service would not serve, and why. */
    public record Refusal(int version, String reason) {
    }

    static final Duration RETRY_UNREACHABLE = Duration.ofSeconds(5);

    private final SearchEngine engine;
    private final RegistryClient registry;
    private final RankerLoader loader;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final Thread thread;
    private final List<Refusal> refusals = new CopyOnWriteArrayList<>();
    private volatile int servedVersion;
    private volatile boolean running = true;
    private Reranker retired;
    private ServingConfig retry;
    private long retryAt;

    /**
     * @param registry a client with a reader token
     * @param topic    the model-updates topic
     */
    public RegistryRankerUpdates(SearchEngine engine, RegistryClient registry, RankerLoader loader,
            String bootstrapServers, String topic) {
        this.engine = engine;
        this.registry = registry;
        this.loader = loader;
        this.topic = topic;
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "search-ranker-updates");
        thread.setDaemon(true);
    }

    public RegistryRankerUpdates start() {
        thread.start();
        return this;
    }

    /** The registry version serving now; 0 when the engine ranks by fusion. */
    public int servedVersion() {
        return servedVersion;
    }

    public List<Refusal> refusals() {
        return List.copyOf(refusals);
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            while (running && partitions.isEmpty()) {
                // The topic may not exist before the registry's first change; wait for it.
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                if (infos != null) {
                    infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running) {
                ServingConfig latest = null;
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key() != null && record.value() != null && SearchRankingFeatures.MODEL.equals(
                            new String(record.key(), StandardCharsets.UTF_8))) {
                        try {
                            latest = ModelJson.servingConfig(record.value());
                        } catch (RuntimeException e) {
                            refusals.add(new Refusal(0, "unreadable serving config at offset " + record.offset()
                                    + ": " + e.getMessage()));
                        }
                    }
                }
                if (latest != null) {
                    retry = null;
                    apply(latest);
                } else if (retry != null && System.currentTimeMillis() >= retryAt) {
                    ServingConfig again = retry;
                    retry = null;
                    apply(again);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            consumer.close();
        }
    }

    /** Serves the config's champion, or fusion when it has none; only the newest config of a poll matters. */
    private void apply(ServingConfig config) {
        ServingVariant champion = config.variant(ServingVariant.CHAMPION).orElse(null);
        if (champion == null) {
            swap(null, 0);
            return;
        }
        if (champion.version() == servedVersion) {
            return;
        }
        Reranker next;
        try {
            next = load(champion);
        } catch (RegistryClientException e) {
            if (e.status() == 0 || e.status() >= 500) {
                refusals.add(new Refusal(champion.version(), "registry unreachable, retrying: " + e.getMessage()));
                retry = config;
                retryAt = System.currentTimeMillis() + RETRY_UNREACHABLE.toMillis();
            } else {
                refusals.add(new Refusal(champion.version(), "download refused: " + e.code() + ": " + e.getMessage()));
            }
            return;
        } catch (RuntimeException e) {
            refusals.add(new Refusal(champion.version(), e.getMessage()));
            return;
        }
        swap(next, champion.version());
    }

    private Reranker load(ServingVariant champion) {
        if (!champion.inputs().equals(SearchRankingFeatures.NAMES)) {
            throw new IllegalArgumentException("v" + champion.version() + " reads " + champion.inputs()
                    + ", this service computes " + SearchRankingFeatures.NAMES);
        }
        byte[] onnx = registry.download(SearchRankingFeatures.MODEL, champion.version());
        String sha = Sha256.hex(onnx);
        if (!sha.equals(champion.sha256())) {
            throw new IllegalArgumentException("v" + champion.version() + " bytes hash to " + sha
                    + ", the serving config says " + champion.sha256());
        }
        Reranker ranker = loader.load(Integer.toString(champion.version()), onnx);
        if (ranker instanceof OnnxReranker onnxRanker) {
            // Every feature's neutral value, as an unknown shopper's cold start gives it.
            float score = onnxRanker.score(new float[][] {new float[SearchRankingFeatures.NAMES.size()]})[0];
            if (!Float.isFinite(score)) {
                onnxRanker.close();
                throw new IllegalArgumentException("v" + champion.version() + " scores the neutral row " + score);
            }
        }
        return ranker;
    }

    private void swap(Reranker next, int version) {
        Reranker previous = engine.reranker();
        engine.useReranker(next);
        servedVersion = version;
        if (retired instanceof AutoCloseable closeable && retired != next) {
            try {
                closeable.close();
            } catch (Exception e) {
                // A session that will not close only leaks its memory; serving goes on.
            }
        }
        retired = previous;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
