package dev.flywheel.jobs.monitor;

import dev.flywheel.decisions.DecisionJson;
import dev.flywheel.features.FeatureSpec;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code decisions} or {@code outcomes} records as {@link Observation}s, parsed inside the source
 * so that only the few fields the monitor needs cross the network.
 *
 * <p>A record that does not parse is not thrown (one poison pill would restart the job forever)
 * and not passed on: it is counted in {@code malformed_records} and its topic, partition and offset
 * logged (the first {@value #LOGGED} per subtask). It stays in its topic, which the scoring job
 * owns; the monitor only reads. Records of models this job does not watch are skipped.
 */
public final class ObservationDeserializer implements KafkaRecordDeserializationSchema<Observation> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ObservationDeserializer.class);
    static final int LOGGED = 10;

    private final boolean outcomes;
    private final String[] models;
    private transient DecisionJson json;
    private transient Set<String> watched;
    private transient Counter malformed;
    private transient int logged;
    private transient int specVersion;

    /**
     * @param outcomes whether the topic holds outcomes (else decisions)
     * @param models   the models to watch; empty: every model
     */
    public ObservationDeserializer(boolean outcomes, List<String> models) {
        this.outcomes = outcomes;
        this.models = models.toArray(String[]::new);
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        malformed = context.getMetricGroup().counter("malformed_records");
        init();
    }

    private void init() {
        json = new DecisionJson();
        watched = Set.of(models);
        specVersion = FeatureSpec.current().version();
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Observation> out) {
        if (json == null) {
            init();
        }
        Observation observation;
        try {
            observation = outcomes ? Observation.of(json.decodeOutcome(record.value()))
                    : Observation.of(json.decodeDecision(record.value()), specVersion);
        } catch (RuntimeException e) {
            if (malformed != null) {
                malformed.inc();
            }
            if (logged++ < LOGGED) {
                LOG.warn("skipped a malformed record at {}/{} offset {}: {}", record.topic(), record.partition(),
                        record.offset(), e.getMessage());
            }
            return;
        }
        if (watched.isEmpty() || watched.contains(observation.model())) {
            out.collect(observation);
        }
    }

    @Override
    public TypeInformation<Observation> getProducedType() {
        return Observation.TYPE;
    }
}
