package dev.flywheel.local.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoopReportTest {
    private static final long T0 = 1_767_225_600_000L;
    private static final long HOUR = 3_600_000;

    @Test
    void summaryReadsTheRunsFiguresFromTheTimeline() {
        LoopTimeline timeline = timeline();
        LoopReport.Summary summary = LoopReport.Summary.of(timeline, "loop", "frozen");

        assertThat(summary.aucBeforeDrift()).isCloseTo((0.70 * 100 + 0.72 * 300) / 400, within(1e-12));
        assertThat(summary.lowestAfterDrift()).isEqualTo(0.55);
        assertThat(summary.aucAfterRecovery()).isCloseTo(0.69, within(1e-12));
        assertThat(summary.frozenAfterRecovery()).isCloseTo(0.58, within(1e-12));
        assertThat(summary.driftToPromotionMs()).isEqualTo(3 * HOUR);
    }

    @Test
    void withoutADriftOrAPromotionTheFiguresSaySo() {
        LoopTimeline timeline = new LoopTimeline(T0);
        timeline.quality("loop", T0 + HOUR, 0.7, 100);
        LoopReport.Summary summary = LoopReport.Summary.of(timeline, "loop", "frozen");

        assertThat(summary.aucBeforeDrift()).isEqualTo(0.7);
        assertThat(summary.lowestAfterDrift()).isNaN();
        assertThat(summary.frozenAfterRecovery()).isNaN();
        assertThat(summary.driftToPromotionMs()).isEqualTo(-1);
    }

    @Test
    void writesAChartAndAPageThatShowsTheFigures(@TempDir Path directory) throws Exception {
        LoopTimeline timeline = timeline();
        Path page = LoopReport.write(directory, "purchase-propensity: the loop vs a frozen model", timeline,
                LoopReport.Summary.of(timeline, "loop", "frozen"));

        BufferedImage chart = ImageIO.read(directory.resolve(LoopReport.CHART).toFile());
        assertThat(chart.getWidth()).isEqualTo(1200);
        assertThat(chart.getHeight()).isEqualTo(600);
        String html = Files.readString(page);
        assertThat(html).contains("<img src=\"live-auc.png\"", "0.715", "0.550", "0.690", "0.580", "3.0 h of shop time",
                "drift injected", "promoted", "v2 &lt;challenger&gt;");
        assertThat(html.indexOf("drift injected")).isLessThan(html.indexOf("promoted"));
    }

    private static LoopTimeline timeline() {
        LoopTimeline timeline = new LoopTimeline(T0);
        timeline.quality("loop", T0 + HOUR, 0.70, 100);
        timeline.quality("loop", T0 + 2 * HOUR, 0.72, 300);
        timeline.quality("frozen", T0 + 2 * HOUR, 0.72, 300);
        timeline.milestone(T0 + 2 * HOUR + 1, LoopTimeline.Kind.DRIFT_INJECTED, "preference_shift");
        timeline.quality("loop", T0 + 3 * HOUR, 0.55, 300);
        timeline.quality("frozen", T0 + 3 * HOUR, 0.55, 300);
        timeline.milestone(T0 + 4 * HOUR, LoopTimeline.Kind.REGISTERED, "v2 <challenger>");
        timeline.milestone(T0 + 5 * HOUR + 1, LoopTimeline.Kind.PROMOTED, "v2");
        timeline.quality("loop", T0 + 6 * HOUR, 0.68, 200);
        timeline.quality("loop", T0 + 7 * HOUR, 0.70, 200);
        timeline.quality("frozen", T0 + 6 * HOUR, 0.57, 200);
        timeline.quality("frozen", T0 + 7 * HOUR, 0.59, 200);
        return timeline;
    }
}
