package dev.flywheel.local.report;

import dev.flywheel.local.report.LoopTimeline.Milestone;
import dev.flywheel.local.report.LoopTimeline.QualityPoint;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The end-of-run report of the loop: a chart of live AUC over shop time per series with a line at
 * every milestone ({@code live-auc.png}, drawn headless), and a self-contained page
 * ({@code index.html}) with the chart, the summary figures and the milestones in order.
 */
public final class LoopReport {
    public static final String CHART = "live-auc.png";
    public static final String PAGE = "index.html";
    private static final double HOUR = 3_600_000.0;

    /**
     * The figures a reader looks for first; NaN or -1 where the run did not get that far.
     *
     * @param aucBeforeDrift       the loop's mean AUC before the drift was injected
     * @param lowestAfterDrift     its lowest hour after
     * @param aucAfterRecovery     its mean AUC after the first promotion that followed the drift
     * @param frozenAfterRecovery  the frozen model's mean AUC over the same windows
     * @param driftToPromotionMs   shop time from the drift to that promotion
     */
    public record Summary(double aucBeforeDrift, double lowestAfterDrift, double aucAfterRecovery,
            double frozenAfterRecovery, long driftToPromotionMs) {

        public static Summary of(LoopTimeline timeline, String loopSeries, String frozenSeries) {
            OptionalLong drift = timeline.first(LoopTimeline.Kind.DRIFT_INJECTED);
            if (drift.isEmpty()) {
                return new Summary(value(timeline.meanAuc(loopSeries, Long.MIN_VALUE, Long.MAX_VALUE)), Double.NaN,
                        Double.NaN, value(timeline.meanAuc(frozenSeries, Long.MIN_VALUE, Long.MAX_VALUE)), -1);
            }
            long at = drift.getAsLong();
            OptionalLong promoted = timeline.firstAfter(LoopTimeline.Kind.PROMOTED, at);
            long recovered = promoted.orElse(Long.MAX_VALUE);
            return new Summary(value(timeline.meanAuc(loopSeries, Long.MIN_VALUE, at)),
                    value(timeline.lowestAuc(loopSeries, at, Long.MAX_VALUE)),
                    value(timeline.meanAuc(loopSeries, recovered, Long.MAX_VALUE)),
                    value(timeline.meanAuc(frozenSeries, recovered, Long.MAX_VALUE)),
                    promoted.isPresent() ? recovered - at : -1);
        }

        private static double value(OptionalDouble value) {
            return value.orElse(Double.NaN);
        }
    }

    private LoopReport() {
    }

    /** Writes the chart and the page into {@code directory}; returns the page. */
    public static Path write(Path directory, String title, LoopTimeline timeline, Summary summary) throws IOException {
        Files.createDirectories(directory);
        JFreeChart chart = chart(title, timeline);
        ChartUtils.saveChartAsPNG(directory.resolve(CHART).toFile(), chart, 1200, 600);
        Path page = directory.resolve(PAGE);
        Files.writeString(page, html(title, timeline, summary), StandardCharsets.UTF_8);
        return page;
    }

    static JFreeChart chart(String title, LoopTimeline timeline) {
        System.setProperty("java.awt.headless", "true");
        Map<String, XYSeries> series = new LinkedHashMap<>();
        for (String name : timeline.points().stream().map(QualityPoint::series).distinct().toList()) {
            for (QualityPoint point : timeline.hourly(name)) {
                series.computeIfAbsent(point.series(), XYSeries::new)
                        .add((point.at() - timeline.origin()) / HOUR, point.auc());
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        series.values().forEach(data::addSeries);
        JFreeChart chart = ChartFactory.createXYLineChart(title, "hours of shop time since live traffic began",
                "live AUC (labelled outcomes, pooled by hour)", data);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        // AUC moves by hundredths; an axis from 0 would flatten the story into one line.
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        int row = 0;
        for (Milestone milestone : timeline.milestones()) {
            ValueMarker marker = new ValueMarker((milestone.at() - timeline.origin()) / HOUR);
            marker.setPaint(color(milestone.kind()));
            marker.setStroke(new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[] {6f, 4f}, 0f));
            marker.setLabel(milestone.kind().words());
            marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
            marker.setLabelPaint(color(milestone.kind()));
            // Labels of close milestones would print over each other: stagger them down the plot.
            marker.setLabelAnchor(row++ % 2 == 0 ? RectangleAnchor.TOP_RIGHT : RectangleAnchor.BOTTOM_RIGHT);
            marker.setLabelTextAnchor(row % 2 == 1 ? TextAnchor.TOP_LEFT : TextAnchor.BOTTOM_LEFT);
            plot.addDomainMarker(marker);
        }
        return chart;
    }

    private static Color color(LoopTimeline.Kind kind) {
        return switch (kind) {
            case DRIFT_INJECTED -> new Color(200, 0, 0);
            case DRIFT_DETECTED -> new Color(230, 120, 0);
            case RETRAIN_REQUESTED -> new Color(120, 80, 160);
            case REGISTERED -> new Color(90, 90, 90);
            case PROMOTED -> new Color(0, 140, 60);
            case ROLLED_BACK -> new Color(0, 90, 200);
        };
    }

    static String html(String title, LoopTimeline timeline, Summary summary) {
        StringBuilder page = new StringBuilder();
        page.append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title>\n<style>body{font-family:sans-serif;max-width:1240px;margin:2em auto}"
                        + "table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;"
                        + "text-align:left}</style></head><body>\n");
        page.append("<h1>").append(escape(title)).append("</h1>\n");
        page.append("<img src=\"").append(CHART).append("\" width=\"1200\" alt=\"live AUC over shop time\">\n");
        page.append("<h2>Summary</h2>\n<table>\n");
        row(page, "loop: AUC before the drift", auc(summary.aucBeforeDrift()));
        row(page, "loop: lowest hourly AUC after the drift", auc(summary.lowestAfterDrift()));
        row(page, "loop: AUC after recovery (after the first promotion)", auc(summary.aucAfterRecovery()));
        row(page, "frozen model over the same windows", auc(summary.frozenAfterRecovery()));
        row(page, "drift to promotion", summary.driftToPromotionMs() < 0 ? "no promotion after the drift"
                : String.format(Locale.ROOT, "%.1f h of shop time", summary.driftToPromotionMs() / HOUR));
        page.append("</table>\n<h2>Milestones</h2>\n<table>\n<tr><th>shop time</th><th>hours in</th><th>what</th>"
                + "<th>detail</th></tr>\n");
        List<Milestone> milestones = new ArrayList<>(timeline.milestones());
        milestones.sort(java.util.Comparator.comparingLong(Milestone::at));
        for (Milestone m : milestones) {
            page.append("<tr><td>").append(Instant.ofEpochMilli(m.at())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.2f", (m.at() - timeline.origin()) / HOUR)).append("</td><td>")
                    .append(m.kind().words()).append("</td><td>").append(escape(m.label())).append("</td></tr>\n");
        }
        page.append("</table>\n</body></html>\n");
        return page.toString();
    }

    private static void row(StringBuilder page, String what, String value) {
        page.append("<tr><td>").append(escape(what)).append("</td><td>").append(value).append("</td></tr>\n");
    }

    private static String auc(double value) {
        return Double.isNaN(value) ? "not reached" : String.format(Locale.ROOT, "%.3f", value);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
