package dev.flywheel.jobs.serving;

import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Watermarks of the {@code model-updates} side of a job. Serving configs carry no event time, so
 * that side is idle for good: the stage it is broadcast into keeps the event inputs' watermark
 * alone, and the windows and timers downstream still close. Not a watermark at the end of time:
 * when the event inputs pause longer than their idleness, that watermark would become the stage's,
 * and every record after the pause would arrive late.
 */
public final class ServingConfigWatermarks {
    private ServingConfigWatermarks() {
    }

    public static WatermarkStrategy<ModelUpdate> idle() {
        return WatermarkStrategy.forGenerator(context -> new WatermarkGenerator<>() {
            @Override
            public void onEvent(ModelUpdate update, long eventTimestamp, WatermarkOutput output) {
            }

            @Override
            public void onPeriodicEmit(WatermarkOutput output) {
                output.markIdle();
            }
        });
    }
}
