package dev.flywheel.jobs.serving;

import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * {@code model-updates} records as {@link ModelUpdate}s. Parsing the JSON is left to the scoring
 * function, which refuses a bad config with a log line and keeps serving; here nothing can throw
 * but a record without a key, which no registry writes and which is skipped.
 */
public final class ModelUpdatesDeserializer implements KafkaRecordDeserializationSchema<ModelUpdate> {
    private static final long serialVersionUID = 1L;

    public static final TypeInformation<ModelUpdate> TYPE = TypeInformation.of(ModelUpdate.class);

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ModelUpdate> out) {
        if (record.key() == null) {
            return;
        }
        out.collect(new ModelUpdate(new String(record.key(), StandardCharsets.UTF_8),
                record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8)));
    }

    @Override
    public TypeInformation<ModelUpdate> getProducedType() {
        return TYPE;
    }
}
