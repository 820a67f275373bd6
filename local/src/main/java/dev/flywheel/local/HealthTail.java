package dev.flywheel.local;

import dev.flywheel.health.ModelHealthJson;
import dev.flywheel.health.ModelHealthReport;
import dev.flywheel.health.ReleaseDecision;
import dev.flywheel.local.report.LoopTimeline;
import dev.flywheel.local.report.LoopTimeline.Kind;
import dev.flywheel.retrain.RetrainRequest;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads {@code model-health} as a user's dashboard would, and turns it into the run's timeline:
 * each window's live AUC per series (the loop's champion, its challenger, the frozen model), drift
 * found (the second window in a row of the loop's champion flagged for drift or for live AUC
 * below its reference, the monitor's trigger rule),
 * retrain requests, promotions and rollbacks. Also keeps the figures of the status line.
 */
final class HealthTail implements AutoCloseable {
    static final String CHAMPION_SERIES = "loop: champion";
    static final String CHALLENGER_SERIES = "loop: challenger";
    static final String FROZEN_SERIES = "frozen model (never retrained)";

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String loopModel;
    private final String frozenModel;
    private final LoopTimeline timeline;
    private final long shiftAt;

    private long lastDriftedWindow = Long.MIN_VALUE;
    private long lastWorseWindow = Long.MIN_VALUE;
    private boolean inChange;
    private int driftedWindows;
    private int worseWindows;
    private int changeDetections;
    private int retrainRequests;
    private int changeRequests;
    private int promotions;
    private int rollbacks;
    private long labelledSinceShift;
    private long latestWindowEnd = Long.MIN_VALUE;
    private int championWindows;
    private long labelledAtDetection = -1;
    private Double loopAuc;
    private Double challengerAuc;
    private Double frozenAuc;

    /** @param shiftAt event time of the injected drift, or {@code Long.MAX_VALUE} for none */
    HealthTail(String bootstrap, String topic, String loopModel, String frozenModel, LoopTimeline timeline, long shiftAt) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        this.consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        // Assigned, not subscribed: the tail reads the whole topic and commits nothing.
        this.consumer.assign(consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList());
        this.consumer.seekToBeginning(consumer.assignment());
        this.loopModel = loopModel;
        this.frozenModel = frozenModel;
        this.timeline = timeline;
        this.shiftAt = shiftAt;
    }

    void poll(Duration timeout) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout)) {
            if (ReleaseDecision.isRelease(record.value())) {
                release(ModelHealthJson.decodeValue(record.value(), ReleaseDecision.class));
            } else {
                report(ModelHealthJson.decode(record.value()));
            }
        }
    }

    private void release(ReleaseDecision decision) {
        if (!decision.model().equals(loopModel)) {
            return;
        }
        if (decision.action() == ReleaseDecision.Action.PROMOTE) {
            promotions++;
            timeline.milestone(decision.windowEnd(), Kind.PROMOTED, "v" + decision.challenger() + " promoted");
        } else {
            rollbacks++;
            timeline.milestone(decision.windowEnd(), Kind.ROLLED_BACK, "v" + decision.challenger() + " rolled back");
        }
    }

    private void report(ModelHealthReport report) {
        Double auc = report.quality() == null ? null : report.quality().auc();
        long labelled = report.quality() == null ? 0 : report.quality().labelled();
        if (report.model().equals(frozenModel)) {
            if (auc != null) {
                frozenAuc = auc;
                timeline.quality(FROZEN_SERIES, report.windowEnd(), auc, labelled);
            }
            return;
        }
        if (!report.model().equals(loopModel)) {
            return;
        }
        latestWindowEnd = Math.max(latestWindowEnd, report.windowEnd());
        boolean champion = "champion".equals(report.role());
        if (auc != null && (champion || "challenger".equals(report.role()))) {
            timeline.quality(champion ? CHAMPION_SERIES : CHALLENGER_SERIES, report.windowEnd(), auc, labelled);
            if (champion) {
                loopAuc = auc;
            } else {
                challengerAuc = auc;
            }
        }
        if (report.windowEnd() > shiftAt) {
            labelledSinceShift += labelled;
        }
        if (report.retrain() != null) {
            retrainRequests++;
            if (report.retrain().reason() != RetrainRequest.Reason.SCHEDULE) {
                changeRequests++;
            }
            timeline.milestone(report.windowEnd(), Kind.RETRAIN_REQUESTED, report.retrain().reason().name().toLowerCase(Locale.ROOT)
                    + " retrain requested");
        }
        if (!champion) {
            return;
        }
        championWindows++;
        boolean drifted = report.drift() != null && report.drift().drifted();
        boolean worse = report.quality() != null && report.quality().worse();
        long previous = report.windowStart() - (report.windowEnd() - report.windowStart());
        boolean secondDrifted = drifted && lastDriftedWindow == previous;
        boolean secondWorse = worse && lastWorseWindow == previous;
        if (drifted) {
            driftedWindows++;
            lastDriftedWindow = report.windowStart();
        }
        if (worse) {
            worseWindows++;
            lastWorseWindow = report.windowStart();
        }
        // The monitor's own rule: two flagged windows in a row make a change.
        if ((secondDrifted || secondWorse) && !inChange) {
            inChange = true;
            changeDetections++;
            if (labelledAtDetection < 0 && report.windowEnd() > shiftAt) {
                labelledAtDetection = labelledSinceShift;
            }
            timeline.milestone(report.windowEnd(), Kind.DRIFT_DETECTED, secondWorse
                    ? qualityLoss(report.quality())
                    : "drift in " + String.join(", ", report.drift().driftedFeatures().stream().limit(3).toList()));
        } else if (!drifted && !worse) {
            inChange = false;
        }
        if (challengerAuc != null && report.comparison() == null) {
            challengerAuc = null;
        }
    }

    /** Windows of the loop's champion flagged for drift, and for quality (live AUC or calibration). */
    int driftedWindows() {
        return driftedWindows;
    }

    int worseWindows() {
        return worseWindows;
    }

    /** Changes found: two drifted or two worse windows in a row, the monitor's trigger rule. */
    int changeDetections() {
        return changeDetections;
    }

    /** Windows reported for the loop's champion. */
    int championWindows() {
        return championWindows;
    }

    /** End of the latest window of the loop's model reported. */
    long latestWindowEnd() {
        return latestWindowEnd;
    }

    private static String qualityLoss(ModelHealthReport.Quality quality) {
        if (quality.miscalibrated()) {
            return String.format("quality loss: purchase rate %.3f vs mean score %.3f", quality.positiveRate(),
                    quality.meanScore());
        }
        return String.format("quality loss: live AUC %.3f vs %.3f", quality.auc(), quality.referenceAuc());
    }

    int retrainRequests() {
        return retrainRequests;
    }

    /** Requests for a change found (drift or quality), not the schedule's. */
    int changeRequests() {
        return changeRequests;
    }

    int promotions() {
        return promotions;
    }

    int rollbacks() {
        return rollbacks;
    }

    /** Labelled outcomes of the loop's model from the shift to the window that found the drift; -1 if none. */
    long labelledAtDetection() {
        return labelledAtDetection;
    }

    /** The last window's live AUC of the loop's champion, its challenger and the frozen model (null: none yet). */
    String aucs() {
        return String.format("AUC loop %s%s, frozen %s", format(loopAuc),
                challengerAuc == null ? "" : " (challenger " + format(challengerAuc) + ")", format(frozenAuc));
    }

    private static String format(Double auc) {
        return auc == null ? "-" : String.format("%.3f", auc);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
