package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.Decoded;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.EventType;
import dev.flywheel.events.ShopperEvent;
import java.io.ByteArrayOutputStream;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SimulatedClickstreamTest {

    @Test
    void mixesInExactlyTheRequestedMalformedRecordsAndCountsWhatWasSent() {
        SimulatedClickstream stream = new SimulatedClickstream(
                new ShopSimulator(SimulatorConfig.defaults(9)), 20_000, 0.01);
        EventCodec codec = new EventCodec();
        Map<EventType, Long> decodedByType = new EnumMap<>(EventType.class);
        long rejected = 0;
        long flaggedMalformed = 0;
        while (stream.hasNext()) {
            KeyedRecord record = stream.next();
            flaggedMalformed += record.malformed() ? 1 : 0;
            Decoded decoded = codec.decode(record.value());
            if (decoded instanceof Decoded.Accepted accepted) {
                ShopperEvent event = accepted.event();
                assertThat(record.key()).isEqualTo(event.userId());
                decodedByType.merge(event.type(), 1L, Long::sum);
            } else {
                rejected++;
            }
        }
        RecordCounts counts = stream.counts();

        assertThat(counts.total()).isEqualTo(20_000);
        assertThat(counts.malformed()).isEqualTo(200).isEqualTo(flaggedMalformed).isEqualTo(rejected);
        assertThat(counts.malformedByKind()).hasSizeGreaterThan(1);
        assertThat(counts.validByType()).isEqualTo(decodedByType);
    }

    @ParameterizedTest
    @CsvSource({"100000, 0.01, 1000", "101000, 0.00990099009900990099, 1000", "999, 0.5, 500", "1000, 0, 0"})
    void malformedCountIsExactlyTheRoundedShareOfTheLimit(long limit, double rate, long expected) {
        SimulatedClickstream stream = new SimulatedClickstream(
                new ShopSimulator(SimulatorConfig.defaults(1).withUsers(1_000)), limit, rate);
        stream.forEachRemaining(record -> { });
        assertThat(stream.counts().malformed()).isEqualTo(expected);
        assertThat(stream.counts().valid()).isEqualTo(limit - expected);
    }

    @Test
    void producerSendsEverythingToTheSinkAndReportsProgress() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SimulatedClickstream stream = new SimulatedClickstream(
                new ShopSimulator(SimulatorConfig.defaults(9)), 500, 0);
        ClickstreamProducer.Progress done;
        try (ClickstreamProducer producer = new ClickstreamProducer(new JsonLinesSink(out, true))) {
            done = producer.produce(stream, 0, progress -> { });
        }
        assertThat(done.sent()).isEqualTo(500);
        assertThat(done.malformed()).isZero();
        assertThat(out.toString().lines().count()).isEqualTo(500);
    }
}
