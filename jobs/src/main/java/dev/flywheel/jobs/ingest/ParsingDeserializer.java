package dev.flywheel.jobs.ingest;

import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.jobs.events.ShopperEventTypeInfo;
import java.time.Clock;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Parses clickstream records inside the Kafka source, so that event time is known per partition and
 * watermarks are generated per partition: a source subtask reading several partitions at different
 * speeds then holds the watermark at the slowest one instead of declaring its events late. Bad
 * records come out as dead letters (left) rather than exceptions, which here would restart the job
 * on the same record forever.
 */
public final class ParsingDeserializer implements KafkaRecordDeserializationSchema<Either<DeadLetter, ShopperEvent>> {
    private static final long serialVersionUID = 1L;

    public static final TypeInformation<Either<DeadLetter, ShopperEvent>> PARSED =
            new EitherTypeInfo<>(TypeInformation.of(DeadLetter.class), ShopperEventTypeInfo.INSTANCE);

    private final int maxPayloadBytes;
    private transient ClickstreamParser parser;

    public ParsingDeserializer(int maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        parser = new ClickstreamParser(maxPayloadBytes, Clock.systemUTC(), context.getMetricGroup());
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Either<DeadLetter, ShopperEvent>> out) {
        out.collect(parser.parse(record.topic(), record.partition(), record.offset(), record.timestamp(),
                record.key(), record.value()));
    }

    @Override
    public TypeInformation<Either<DeadLetter, ShopperEvent>> getProducedType() {
        return PARSED;
    }

    /** Event time of a parsed record; dead letters have none and never move the watermark. */
    public static long eventTime(Either<DeadLetter, ShopperEvent> parsed) {
        return parsed.isRight() ? parsed.right().ts() : Long.MIN_VALUE;
    }
}
