package dev.flywheel.bench;

import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.jobs.FlinkSettings;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.JobOptions;
import dev.flywheel.jobs.KafkaConnectors;
import dev.flywheel.jobs.KafkaOptions;
import dev.flywheel.simulator.KafkaRecordSink;
import dev.flywheel.simulator.ShopSimulator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** What the end-to-end benchmarks share: the input topic, the passthrough jobs, job settings, reading results. */
final class BenchJobs {
    static final int PARTITIONS = 4;
    static final TypeInformation<Tuple2<byte[], byte[]>> RECORD =
            Types.TUPLE(Types.PRIMITIVE_ARRAY(Types.BYTE), Types.PRIMITIVE_ARRAY(Types.BYTE));

    private BenchJobs() {
    }

    /** Writes {@code events} simulated events keyed by user, as a shop would. */
    static void produce(String bootstrap, String topic, ShopSimulator simulator, int events) {
        EventCodec codec = new EventCodec();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaRecordSink.producerProperties(bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < events; i++) {
                ShopperEvent event = simulator.next().event();
                producer.send(new ProducerRecord<>(topic, event.userId().getBytes(StandardCharsets.UTF_8),
                        codec.encode(event)));
            }
        }
    }

    /**
     * Reads {@code from} and writes every record, key and value unchanged, to {@code to}; with
     * {@code shuffled}, first through the scoring job's two shuffles (by a hash of the value,
     * standing in for the item, then by the record key, the user) without parsing or state. That
     * separates what the topology costs from what the job's code costs.
     *
     * @param run names the run for {@link RunClock}: the first record read is marked under it
     */
    static StreamExecutionEnvironment passthrough(EmbeddedKafka kafka, String from, String to, int parallelism,
            String run, boolean shuffled, Configuration configuration) {
        // Only Kafka, checkpoints and parallelism matter to a job that neither parses nor keeps time.
        JobOptions options = new JobOptions(kafkaOptions(kafka, run), from, "bench.dlq", "bench.late", Duration.ZERO,
                Duration.ofSeconds(30), EventCodec.DEFAULT_MAX_PAYLOAD_BYTES, Duration.ofSeconds(10),
                Duration.ofMinutes(10), parallelism);
        KafkaConnectors connectors = new KafkaConnectors(options.kafka(), run);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration);
        FlinkSettings.apply(env, options);
        DataStream<Tuple2<byte[], byte[]>> records = env.fromSource(
                        connectors.source(from, new RawRecords(run)), WatermarkStrategy.noWatermarks(),
                        "Kafka: clickstream (raw)")
                .uid("bench-passthrough-source");
        if (shuffled) {
            records = records
                    .keyBy(record -> Arrays.hashCode(record.f1), Types.INT)
                    .map(record -> record, RECORD).uid("bench-by-value").name("by value")
                    .keyBy(record -> Arrays.hashCode(record.f0), Types.INT)
                    .map(record -> record, RECORD).uid("bench-by-key").name("by key");
        }
        records.sinkTo(connectors.sink((record, context, timestamp) ->
                        new ProducerRecord<>(to, null, null, record.f0, record.f1), run))
                .uid("bench-passthrough-sink").name("Kafka: passthrough");
        return env;
    }

    /**
     * Checkpoints go to files: the default JobManager storage refuses state over 5 MiB, and the
     * feature job holds more. No restarts: a failure must end the run, not loop unseen.
     */
    static Configuration configuration(String stateBackend) throws IOException {
        Configuration configuration = new Configuration();
        configuration.set(StateBackendOptions.STATE_BACKEND, stateBackend);
        configuration.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        configuration.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                Files.createTempDirectory("flywheel-bench-checkpoints").toUri().toString());
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return configuration;
    }

    static KafkaOptions kafkaOptions(EmbeddedKafka kafka, String group) {
        return KafkaOptions.from(JobArgs.of(Map.of("bootstrap", kafka.bootstrapServers(),
                "starting-offsets", "earliest", "bounded", "true")), group);
    }

    /** How many committed records a topic holds and when its newest one was written (producer clock). */
    record TopicStats(long records, long lastWrittenMillis) {
    }

    /** Reads a topic to its end under read_committed: what a downstream consumer would see. */
    static TopicStats stats(EmbeddedKafka kafka, String topic) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long records = 0;
            long last = Long.MIN_VALUE;
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end in 2 minutes");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
                        records++;
                        last = Math.max(last, record.timestamp());
                    }
                }
            }
            return new TopicStats(records, last);
        }
    }

    /**
     * Wall-clock instants jobs in this JVM mark by run name (the MiniCluster runs here): when a
     * run's first input record was read, so that a run's time is counted from its first record
     * to its last output, alike for every job and without cluster start-up or the wait for the
     * final checkpoint.
     */
    static final class RunClock {
        private static final Map<String, Long> FIRST_READ = new ConcurrentHashMap<>();

        private RunClock() {
        }

        static void markFirstRead(String run) {
            FIRST_READ.putIfAbsent(run, System.currentTimeMillis());
        }

        static long firstRead(String run) {
            Long millis = FIRST_READ.get(run);
            if (millis == null) {
                throw new IllegalStateException("run " + run + " read no record");
            }
            return millis;
        }
    }

    /** Key and value bytes as they are: the passthrough parses nothing. */
    static final class RawRecords implements KafkaRecordDeserializationSchema<Tuple2<byte[], byte[]>> {
        private static final long serialVersionUID = 1L;
        private final String run;
        private transient boolean marked;

        RawRecords(String run) {
            this.run = run;
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Tuple2<byte[], byte[]>> out) {
            if (!marked) {
                RunClock.markFirstRead(run);
                marked = true;
            }
            out.collect(Tuple2.of(record.key(), record.value()));
        }

        @Override
        public TypeInformation<Tuple2<byte[], byte[]>> getProducedType() {
            return RECORD;
        }
    }
}
