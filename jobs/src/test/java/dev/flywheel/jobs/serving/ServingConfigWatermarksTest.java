package dev.flywheel.jobs.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

/**
 * The model-updates side never speaks for event time: it declares itself idle and emits no
 * watermark, so a pause of the event inputs cannot hand the keyed stage a watermark at the end of
 * time (after which every event would be late).
 */
class ServingConfigWatermarksTest {

    @Test
    void theServingConfigSideIsIdleAndEmitsNoWatermark() {
        WatermarkGenerator<ModelUpdate> generator = ServingConfigWatermarks.idle().createWatermarkGenerator(null);
        Recording output = new Recording();

        generator.onEvent(new ModelUpdate("purchase-propensity", "{}"), 1_767_225_600_000L, output);
        generator.onPeriodicEmit(output);
        generator.onPeriodicEmit(output);

        assertThat(output.watermarks).isEmpty();
        assertThat(output.idle).isTrue();
    }

    private static final class Recording implements WatermarkOutput {
        final List<Watermark> watermarks = new ArrayList<>();
        boolean idle;

        @Override
        public void emitWatermark(Watermark watermark) {
            watermarks.add(watermark);
            idle = false;
        }

        @Override
        public void markIdle() {
            idle = true;
        }

        @Override
        public void markActive() {
            idle = false;
        }
    }
}
