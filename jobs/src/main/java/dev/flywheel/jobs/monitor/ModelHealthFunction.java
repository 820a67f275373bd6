package dev.flywheel.jobs.monitor;

import dev.flywheel.health.ModelHealthReport;
import dev.flywheel.health.ModelHealthReport.Comparison;
import dev.flywheel.health.ModelHealthReport.Drift;
import dev.flywheel.health.ModelHealthReport.DriftFigures;
import dev.flywheel.health.ModelHealthReport.Quality;
import dev.flywheel.health.ModelHealthReport.Retrain;
import dev.flywheel.health.ModelHealthReport.Verdict;
import dev.flywheel.jobs.monitor.ChallengerComparison.Arm;
import dev.flywheel.retrain.RetrainRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by model: adds up each version's window from its user groups' shares
 * ({@link WindowPartial}), tests it, reports it, compares champion and challenger, and decides
 * when to ask for a retrain.
 *
 * <p><b>Two phases per window.</b> At the window's end (plus the allowed lateness) its decisions
 * are complete: drift of scores ({@link DriftTest} at half the false-alarm rate) and of every input
 * feature (the other half shared among them, Bonferroni), so that a stationary window is flagged
 * with probability at most {@code driftFalseAlarmRate}. Drift is acted on at once. An attribution
 * window later its outcomes are complete: {@link LiveQuality}, the comparison, and the report, one
 * per version ({@link ModelHealthReport}), which carries the drift figures found earlier.
 *
 * <p><b>Triggers</b>, judged on the window's champion (the version most of its acted decisions
 * came from; a challenger or shadow drifting is reported, not acted on):
 * <ul>
 *   <li>{@code DRIFT}: the window drifted, and so did the {@code sustainedWindows - 1} windows
 *       before it, for the same champion;</li>
 *   <li>{@code QUALITY}: live AUC significantly below the descriptor's holdout AUC minus the
 *       tolerance, in as many consecutive windows;</li>
 *   <li>{@code SCHEDULE}: no request for {@code retrainEvery} of event time (off when zero).</li>
 * </ul>
 * A request's training window is {@code trainingSpan} ending at the triggering window's end; its
 * idempotency key is {@link RetrainRequest#keyOf} the model and that window. After a request none
 * is sent for {@code cooldown} of event time ({@code retrains_suppressed}), and a window whose end
 * is not later than the last request's never triggers: the last request's end is keyed state, so
 * this holds across restarts from a checkpoint. If the job fails after sending a request and before
 * the checkpoint that records it, the restored job sends it again with the same key, which the
 * trainer trains once.
 *
 * <p><b>Champion against challenger.</b> Per window, the champion arm is the outcomes of decisions
 * the champion acted on, the challenger arm those the challenger acted on; both summed per user
 * group and accumulated from the first window the pair served together ({@link ChallengerComparison}).
 * A new pair starts from nothing.
 *
 * <p>State per model: the shares waiting for their timer, each version's drift section until its
 * report, the triggers' streaks, the last request's end and the comparison's sums: a few kilobytes
 * plus the outcomes of the windows being closed. Timers: one per phase and window.
 */
public final class ModelHealthFunction
        extends KeyedBroadcastProcessFunction<String, WindowPartial, ModelReferences, ModelHealthReport> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<RetrainRequest> RETRAIN_REQUESTS =
            new OutputTag<>("retrain-requests", TypeInformation.of(RetrainRequest.class));
    public static final TypeInformation<ModelHealthReport> REPORT_TYPE = TypeInformation.of(ModelHealthReport.class);
    /** Evidence names at most this many drifted features, the largest PSI-to-threshold ratios first. */
    static final int FEATURES_IN_EVIDENCE = 8;

    /** A version's drift section, waiting for the window's outcomes. */
    public record WaitingReport(long decisions, long[] roleCounts, Drift drift) {
    }

    /** What the model's triggers and comparison remember between windows. */
    public static final class ModelState {
        public long lastRetrainEnd = Long.MIN_VALUE;
        public long scheduleBase = Long.MIN_VALUE;
        public int driftStreak;
        public long driftStreakWindow = Long.MIN_VALUE;
        public int driftStreakVersion;
        /** Start of the first flagged window of a streak whose request waits for post-change data; MIN_VALUE: none. */
        public long changeOnset = Long.MIN_VALUE;
        /** The waiting request's reason and the evidence of the window that found the change. */
        public String changeReason;
        public String[] changeEvidenceNames = new String[0];
        public double[] changeEvidenceValues = new double[0];
        public int qualityStreak;
        public long qualityStreakWindow = Long.MIN_VALUE;
        public int qualityStreakVersion;
        public int champion;
        public int challenger;
        public long since;
        public double[] championCounts = new double[0];
        public double[] championLosses = new double[0];
        public double[] challengerCounts = new double[0];
        public double[] challengerLosses = new double[0];
        public double pValue = 1;
        public Verdict verdict = Verdict.NO_VERDICT;

        public ModelState() {
        }
    }

    private final MonitorSettings settings;
    private transient ListState<WindowPartial> pending;
    private transient MapState<String, WaitingReport> waiting;
    private transient MapState<Long, Retrain> retrains;
    private transient ValueState<ModelState> memory;
    private transient Map<String, VersionReference> parsed;
    private transient Map<String, MonitorMetrics> metrics;
    private transient MetricGroup flywheel;
    private transient org.apache.flink.metrics.Counter referencesKnown;

    public ModelHealthFunction(MonitorSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext context) {
        pending = getRuntimeContext().getListState(new ListStateDescriptor<>("pending-partials", WindowPartial.TYPE));
        waiting = getRuntimeContext().getMapState(new MapStateDescriptor<>("waiting-reports", Types.STRING,
                TypeInformation.of(WaitingReport.class)));
        retrains = getRuntimeContext().getMapState(new MapStateDescriptor<>("retrains-by-window", Types.LONG,
                TypeInformation.of(Retrain.class)));
        memory = getRuntimeContext().getState(new ValueStateDescriptor<>("model-state", TypeInformation.of(ModelState.class)));
        parsed = new HashMap<>();
        metrics = new HashMap<>();
        flywheel = getRuntimeContext().getMetricGroup().addGroup("flywheel");
        referencesKnown = getRuntimeContext().getMetricGroup().counter("version_references");
    }

    @Override
    public void processElement(WindowPartial partial, ReadOnlyContext ctx, Collector<ModelHealthReport> out)
            throws Exception {
        pending.add(partial);
        ctx.timerService().registerEventTimeTimer(closes(partial));
    }

    private long closes(WindowPartial partial) {
        return partial.quality() ? settings.qualityCloses(partial.windowStart()) : settings.driftCloses(partial.windowStart());
    }

    @Override
    public void processBroadcastElement(ModelReferences references, Context ctx, Collector<ModelHealthReport> out)
            throws Exception {
        referencesKnown.inc(GroupWindowFunction.rememberDescriptors(ctx.getBroadcastState(GroupWindowFunction.DESCRIPTORS),
                references));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ModelHealthReport> out) throws Exception {
        String model = ctx.getCurrentKey();
        List<WindowPartial> due = new ArrayList<>();
        List<WindowPartial> later = new ArrayList<>();
        for (WindowPartial partial : pending.get()) {
            (closes(partial) <= timestamp ? due : later).add(partial);
        }
        if (later.isEmpty()) {
            pending.clear();
        } else {
            pending.update(later);
        }
        ModelState state = memory.value();
        if (state == null) {
            state = new ModelState();
        }
        ReadOnlyBroadcastState<String, String> descriptors = ctx.getBroadcastState(GroupWindowFunction.DESCRIPTORS);

        // Drift phase: the windows whose decisions are complete.
        TreeMap<Long, Map<Integer, List<WindowPartial>>> driftWindows = byWindowAndVersion(due, false);
        for (Map.Entry<Long, Map<Integer, List<WindowPartial>>> window : driftWindows.entrySet()) {
            long windowStart = window.getKey();
            Map<Integer, WaitingReport> sections = new TreeMap<>();
            for (Map.Entry<Integer, List<WindowPartial>> version : window.getValue().entrySet()) {
                VersionReference reference = GroupWindowFunction.parse(parsed, descriptors, model, version.getKey());
                WaitingReport section = driftSection(settings, reference, version.getValue());
                sections.put(version.getKey(), section);
                waiting.put(waitingKey(version.getKey(), windowStart), section);
                metrics(model).drift(version.getKey(), windowStart, section.decisions(), section.drift());
            }
            ctx.timerService().registerEventTimeTimer(settings.qualityCloses(windowStart));
            if (state.scheduleBase == Long.MIN_VALUE) {
                state.scheduleBase = windowStart;
            }
            int champion = mostOften(sections, Observation.CHAMPION, WaitingReport::roleCounts);
            judgeDrift(ctx, model, state, windowStart, champion, champion < 0 ? null : sections.get(champion));
            judgeSchedule(ctx, model, state, windowStart);
        }

        // Quality phase: the windows whose outcomes are complete, with or without outcomes.
        TreeMap<Long, Map<Integer, List<WindowPartial>>> qualityWindows = byWindowAndVersion(due, true);
        TreeMap<Long, TreeSet<Integer>> reportable = new TreeMap<>();
        qualityWindows.forEach((w, versions) -> reportable.computeIfAbsent(w, k -> new TreeSet<>()).addAll(versions.keySet()));
        for (String key : waiting.keys()) {
            long windowStart = Long.parseLong(key.substring(key.indexOf('/') + 1));
            if (settings.qualityCloses(windowStart) <= timestamp) {
                reportable.computeIfAbsent(windowStart, k -> new TreeSet<>())
                        .add(Integer.parseInt(key.substring(0, key.indexOf('/'))));
            }
        }
        for (Map.Entry<Long, TreeSet<Integer>> window : reportable.entrySet()) {
            long windowStart = window.getKey();
            Map<Integer, List<WindowPartial>> outcomes = qualityWindows.getOrDefault(windowStart, Map.of());
            Map<Integer, LiveQuality.Result> results = new TreeMap<>();
            Map<Integer, Quality> qualities = new TreeMap<>();
            for (int version : window.getValue()) {
                VersionReference reference = GroupWindowFunction.parse(parsed, descriptors, model, version);
                LiveQuality.Result result = liveQuality(outcomes.getOrDefault(version, List.of()));
                results.put(version, result);
                qualities.put(version, quality(settings, result, reference));
                metrics(model).quality(version, qualities.get(version));
            }
            Comparison comparison = compare(state, windowStart, outcomes);
            if (comparison != null) {
                metrics(model).comparison(comparison);
            }
            int champion = mostOften(outcomes, Observation.CHAMPION);
            judgeQuality(ctx, model, state, windowStart, champion, champion < 0 ? null : qualities.get(champion),
                    champion < 0 ? null : results.get(champion));
            Retrain retrain = retrains.get(windowStart);
            retrains.remove(windowStart);
            for (int version : window.getValue()) {
                WaitingReport section = waiting.get(waitingKey(version, windowStart));
                waiting.remove(waitingKey(version, windowStart));
                long[] roleCounts = section != null ? section.roleCounts() : roleCounts(outcomes.get(version));
                boolean inPair = comparison != null && (version == comparison.champion() || version == comparison.challenger());
                out.collect(new ModelHealthReport(model, version, roleOf(roleCounts), windowStart,
                        windowStart + settings.windowMs(), section == null ? 0 : section.decisions(),
                        section == null ? untested(settings) : section.drift(), qualities.get(version),
                        inPair ? comparison : null, retrain, System.currentTimeMillis()));
            }
        }
        if (waiting.isEmpty()) {
            waiting.clear();
        }
        if (retrains.isEmpty()) {
            retrains.clear();
        }
        memory.update(state);
    }

    /** A version's drift in one window, from its user groups' shares; untested without a matching reference. */
    static WaitingReport driftSection(MonitorSettings settings, VersionReference reference, List<WindowPartial> partials) {
        long decisions = 0;
        long[] roleCounts = new long[WindowPartial.ROLES];
        boolean binned = reference != null;
        for (WindowPartial partial : partials) {
            decisions += partial.count();
            for (int r = 0; r < WindowPartial.ROLES; r++) {
                roleCounts[r] += partial.roleCounts()[r];
            }
            binned &= reference != null && partial.width() == reference.width()
                    && partial.sha256().equals(reference.sha256());
        }
        if (!binned) {
            return new WaitingReport(decisions, roleCounts, untested(settings));
        }
        int width = reference.width();
        double alpha = settings.driftFalseAlarmRate();
        int features = reference.featureCount();
        DriftFigures score = null;
        boolean drifted = false;
        if (reference.hasScore()) {
            DriftStatistic statistic = DriftTest.test(reference.score(), counts(partials, width, 0,
                    reference.score().bins()), alpha / 2, settings.minDecisions());
            score = figures(statistic);
            drifted = statistic.drifted();
        }
        Map<String, DriftFigures> byFeature = new LinkedHashMap<>();
        List<String> driftedFeatures = new ArrayList<>();
        for (int f = 0; f < features; f++) {
            DriftStatistic statistic = DriftTest.test(reference.featureBins(f), counts(partials, width,
                    reference.offset(f + 1), reference.featureBins(f).bins()), alpha / 2 / features,
                    settings.minDecisions());
            byFeature.put(reference.feature(f), figures(statistic));
            if (statistic.drifted()) {
                driftedFeatures.add(reference.feature(f));
                drifted = true;
            }
        }
        return new WaitingReport(decisions, roleCounts, new Drift(alpha, true, score, byFeature, driftedFeatures, drifted));
    }

    /** One test's counts as {@code [user group][item group][bin]}. */
    private static long[][][] counts(List<WindowPartial> partials, int width, int offset, int bins) {
        long[][][] counts = new long[Groups.USER_GROUPS][Groups.ITEM_GROUPS][bins];
        for (WindowPartial partial : partials) {
            long[][] byItem = counts[partial.userGroup()];
            for (int g = 0; g < Groups.ITEM_GROUPS; g++) {
                int base = g * width + offset;
                for (int b = 0; b < bins; b++) {
                    byItem[g][b] += partial.counters()[base + b];
                }
            }
        }
        return counts;
    }

    private static DriftFigures figures(DriftStatistic statistic) {
        return new DriftFigures(statistic.count(), statistic.bins(), statistic.psi(), finite(statistic.threshold()),
                finite(statistic.pValue()), finite(statistic.designEffect()), statistic.drifted());
    }

    private static Drift untested(MonitorSettings settings) {
        return new Drift(settings.driftFalseAlarmRate(), false, null, Map.of(), List.of(), false);
    }

    private static LiveQuality.Result liveQuality(List<WindowPartial> partials) {
        int n = 0;
        for (WindowPartial partial : partials) {
            n += partial.scores().length;
        }
        double[] scores = new double[n];
        boolean[] labels = new boolean[n];
        int[] clusters = new int[n];
        int at = 0;
        for (WindowPartial partial : partials) {
            System.arraycopy(partial.scores(), 0, scores, at, partial.scores().length);
            System.arraycopy(partial.labels(), 0, labels, at, partial.labels().length);
            java.util.Arrays.fill(clusters, at, at + partial.scores().length, partial.userGroup());
            at += partial.scores().length;
        }
        return LiveQuality.of(scores, labels, clusters, Groups.USER_GROUPS);
    }

    /** A window's quality figures and its two tests; static so the calibration test runs this very code. */
    static Quality quality(MonitorSettings settings, LiveQuality.Result result, VersionReference reference) {
        // Two tests share the quality test's level (Bonferroni): ranking and calibration.
        double alpha = settings.qualityAlpha() / 2;
        boolean enough = result.labelled() >= settings.minLabelled();
        Double referenceAuc = reference == null ? null : reference.holdoutAuc();
        Double pValue = null;
        boolean below = false;
        long negatives = result.labelled() - result.positives();
        if (referenceAuc != null && enough && result.positives() >= 10 && negatives >= 10 && result.aucVariance() > 0) {
            // The holdout AUC is an estimate too; its independent-outcomes variance is scaled by the
            // window's design effect, as its outcomes were clustered alike.
            double designEffect = Math.max(1, result.aucVariance() / result.independentAucVariance());
            double referenceVariance = reference.holdoutPositives() > 0 && reference.holdoutNegatives() > 0
                    ? LiveQuality.hanleyMcNeilVariance(referenceAuc, reference.holdoutPositives(),
                            reference.holdoutNegatives()) * designEffect
                    : 0;
            double z = (result.auc() - (referenceAuc - settings.aucTolerance()))
                    / Math.sqrt(result.aucVariance() + referenceVariance);
            pValue = Distributions.normalCdf(z);
            below = pValue < alpha;
        }
        Double calibrationPValue = null;
        boolean miscalibrated = false;
        if (enough && result.biasVariance() > 0) {
            // |purchase rate - mean score| beyond the tolerance, a t on the user groups with the
            // degrees of freedom their residuals support: a model that predicts far fewer (or more)
            // purchases than happen is wrong whatever its AUC.
            double t = (Math.abs(result.bias()) - settings.calibrationTolerance()) / Math.sqrt(result.biasVariance());
            calibrationPValue = t <= 0 ? 1.0 : (1 - Distributions.fCdf(t * t, 1, result.biasDegreesOfFreedom())) / 2;
            miscalibrated = calibrationPValue < alpha;
        }
        return new Quality(result.labelled(), result.positives(), finite(result.positiveRate()), finite(result.auc()),
                result.aucVariance() >= 0 ? Math.sqrt(result.aucVariance()) : null, finite(result.logLoss()),
                finite(result.brier()), finite(result.calibrationError()), referenceAuc, pValue, below,
                finite(result.meanScore()), calibrationPValue, miscalibrated);
    }

    /** Adds this window's champion and challenger arms to the pair's evidence; null without a challenger. */
    private Comparison compare(ModelState state, long windowStart, Map<Integer, List<WindowPartial>> outcomes) {
        int champion = mostOften(outcomes, Observation.CHAMPION);
        int challenger = mostOften(outcomes, Observation.CHALLENGER);
        if (champion < 0 || challenger < 0 || champion == challenger) {
            return null;
        }
        if (state.champion != champion || state.challenger != challenger || state.championCounts.length == 0) {
            state.champion = champion;
            state.challenger = challenger;
            state.since = windowStart;
            state.championCounts = new double[Groups.USER_GROUPS];
            state.championLosses = new double[Groups.USER_GROUPS];
            state.challengerCounts = new double[Groups.USER_GROUPS];
            state.challengerLosses = new double[Groups.USER_GROUPS];
            state.pValue = 1;
            state.verdict = Verdict.NO_VERDICT;
        }
        addArm(outcomes.get(champion), Observation.CHAMPION, state.championCounts, state.championLosses);
        addArm(outcomes.get(challenger), Observation.CHALLENGER, state.challengerCounts, state.challengerLosses);
        Arm championArm = new Arm(state.championCounts, state.championLosses);
        Arm challengerArm = new Arm(state.challengerCounts, state.challengerLosses);
        ChallengerComparison.Result result = ChallengerComparison.evaluate(championArm, challengerArm, state.pValue,
                state.verdict, settings.verdictAlpha(), settings.verdictMinLabelled());
        state.pValue = result.pValue();
        state.verdict = result.verdict();
        return new Comparison(champion, challenger, state.since, championArm.total(), challengerArm.total(),
                finite(championArm.meanLoss()), finite(challengerArm.meanLoss()), finite(result.difference()),
                finite(result.stdError()), result.pValue(), settings.verdictAlpha(), settings.verdictMinLabelled(),
                result.verdict());
    }

    private static void addArm(List<WindowPartial> partials, byte role, double[] counts, double[] losses) {
        for (WindowPartial partial : partials) {
            for (int i = 0; i < partial.scores().length; i++) {
                if (partial.roles()[i] == role) {
                    double p = partial.scores()[i];
                    counts[partial.userGroup()]++;
                    losses[partial.userGroup()] -= Math.log(Math.max(LiveQuality.LOG_LOSS_EPSILON,
                            partial.labels()[i] ? p : 1 - p));
                }
            }
        }
    }

    private void judgeDrift(OnTimerContext ctx, String model, ModelState state, long windowStart, int champion,
            WaitingReport section) {
        boolean flagged = section != null && section.drift().drifted();
        if (!flagged) {
            state.driftStreak = 0;
        } else if (state.driftStreakVersion == champion && state.driftStreakWindow == windowStart - settings.windowMs()) {
            state.driftStreak++;
        } else {
            state.driftStreak = 1;
        }
        state.driftStreakWindow = windowStart;
        state.driftStreakVersion = champion;
        if (flagged && state.driftStreak >= settings.sustainedWindows()) {
            changeFound(ctx, model, state, windowStart, state.driftStreak, RetrainRequest.Reason.DRIFT,
                    driftEvidence(section, champion, state.driftStreak));
        }
        sendWaitingRequest(ctx, model, state, windowStart);
    }

    /**
     * A sustained change: the request goes now with the training span ending here or, with a
     * post-drift span, once that much event time has passed since the streak's first window, to
     * train on the world after the change. A change found while one waits joins it.
     */
    private void changeFound(OnTimerContext ctx, String model, ModelState state, long windowStart, int streak,
            RetrainRequest.Reason reason, Map<String, Double> evidence) {
        long windowEnd = windowStart + settings.windowMs();
        if (settings.postDriftSpan().isZero()) {
            trigger(ctx, model, state, windowStart, windowEnd - settings.trainingSpan().toMillis(), reason, evidence);
            return;
        }
        if (state.changeOnset != Long.MIN_VALUE) {
            return;
        }
        // Training on the windows that found the change would teach the old world: wait for the new one.
        state.changeOnset = windowStart - (streak - 1L) * settings.windowMs();
        state.changeReason = reason.name();
        state.changeEvidenceNames = evidence.keySet().toArray(new String[0]);
        state.changeEvidenceValues = evidence.values().stream().mapToDouble(Double::doubleValue).toArray();
    }

    private void sendWaitingRequest(OnTimerContext ctx, String model, ModelState state, long windowStart) {
        long windowEnd = windowStart + settings.windowMs();
        if (state.changeOnset == Long.MIN_VALUE || windowEnd - state.changeOnset < settings.postDriftSpan().toMillis()) {
            return;
        }
        Map<String, Double> evidence = new TreeMap<>();
        for (int i = 0; i < state.changeEvidenceNames.length; i++) {
            evidence.put(state.changeEvidenceNames[i], state.changeEvidenceValues[i]);
        }
        evidence.put("change_onset", (double) state.changeOnset);
        long onset = state.changeOnset;
        RetrainRequest.Reason reason = RetrainRequest.Reason.valueOf(state.changeReason);
        state.changeOnset = Long.MIN_VALUE;
        state.changeReason = null;
        state.changeEvidenceNames = new String[0];
        state.changeEvidenceValues = new double[0];
        trigger(ctx, model, state, windowStart, onset, reason, evidence);
    }

    private static Map<String, Double> driftEvidence(WaitingReport section, int champion, int streak) {
        Drift drift = section.drift();
        Map<String, Double> evidence = new TreeMap<>();
        evidence.put("version", (double) champion);
        evidence.put("decisions", (double) section.decisions());
        evidence.put("consecutive_windows", (double) streak);
        evidence.put("drifted_features", (double) drift.driftedFeatures().size());
        if (drift.score() != null) {
            evidence.put("score_psi", drift.score().psi());
            putIfPresent(evidence, "score_threshold", drift.score().threshold());
        }
        drift.driftedFeatures().stream()
                .sorted(Comparator.comparingDouble((String f) -> -ratio(drift.features().get(f))))
                .limit(FEATURES_IN_EVIDENCE)
                .forEach(f -> {
                    evidence.put(f + "_psi", drift.features().get(f).psi());
                    putIfPresent(evidence, f + "_threshold", drift.features().get(f).threshold());
                });
        return evidence;
    }

    private void judgeQuality(OnTimerContext ctx, String model, ModelState state, long windowStart, int champion,
            Quality quality, LiveQuality.Result result) {
        boolean flagged = quality != null && quality.worse();
        if (!flagged) {
            state.qualityStreak = 0;
        } else if (state.qualityStreakVersion == champion
                && state.qualityStreakWindow == windowStart - settings.windowMs()) {
            state.qualityStreak++;
        } else {
            state.qualityStreak = 1;
        }
        state.qualityStreakWindow = windowStart;
        state.qualityStreakVersion = champion;
        if (flagged && state.qualityStreak >= settings.sustainedWindows()) {
            Map<String, Double> evidence = new TreeMap<>();
            evidence.put("version", (double) champion);
            evidence.put("labelled", (double) quality.labelled());
            evidence.put("consecutive_windows", (double) state.qualityStreak);
            putIfPresent(evidence, "auc", quality.auc());
            putIfPresent(evidence, "reference_auc", quality.referenceAuc());
            evidence.put("auc_tolerance", settings.aucTolerance());
            putIfPresent(evidence, "auc_std_error", quality.aucStdError());
            putIfPresent(evidence, "auc_p_value", quality.aucPValue());
            putIfPresent(evidence, "positive_rate", quality.positiveRate());
            putIfPresent(evidence, "mean_score", quality.meanScore());
            evidence.put("calibration_tolerance", settings.calibrationTolerance());
            putIfPresent(evidence, "calibration_p_value", quality.calibrationPValue());
            changeFound(ctx, model, state, windowStart, state.qualityStreak, RetrainRequest.Reason.QUALITY, evidence);
        }
    }

    private void judgeSchedule(OnTimerContext ctx, String model, ModelState state, long windowStart) {
        if (settings.retrainEvery().isZero()) {
            return;
        }
        long end = windowStart + settings.windowMs();
        long since = Math.max(state.scheduleBase, state.lastRetrainEnd);
        if (end - since >= settings.retrainEvery().toMillis()) {
            Map<String, Double> evidence = new TreeMap<>();
            evidence.put("hours_since_last", (end - since) / 3_600_000.0);
            evidence.put("every_hours", settings.retrainEvery().toMillis() / 3_600_000.0);
            trigger(ctx, model, state, windowStart, end - settings.trainingSpan().toMillis(),
                    RetrainRequest.Reason.SCHEDULE, evidence);
        }
    }

    /** Sends a request for training window [{@code start}, the window's end), unless held back. */
    private void trigger(OnTimerContext ctx, String model, ModelState state, long windowStart, long start,
            RetrainRequest.Reason reason, Map<String, Double> evidence) {
        long end = windowStart + settings.windowMs();
        if (!settings.retrains(model) || end <= state.lastRetrainEnd) {
            return;
        }
        if (state.lastRetrainEnd != Long.MIN_VALUE && end - state.lastRetrainEnd < settings.cooldown().toMillis()) {
            metrics(model).suppressed();
            return;
        }
        String key = RetrainRequest.keyOf(model, start, end);
        ctx.output(RETRAIN_REQUESTS, new RetrainRequest(model, reason, evidence, start, end, key, System.currentTimeMillis()));
        try {
            retrains.put(windowStart, new Retrain(reason, key, start, end, evidence));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        state.lastRetrainEnd = end;
        metrics(model).retrain(reason);
    }

    private static TreeMap<Long, Map<Integer, List<WindowPartial>>> byWindowAndVersion(List<WindowPartial> partials,
            boolean quality) {
        TreeMap<Long, Map<Integer, List<WindowPartial>>> grouped = new TreeMap<>();
        for (WindowPartial partial : partials) {
            if (partial.quality() == quality) {
                grouped.computeIfAbsent(partial.windowStart(), w -> new TreeMap<>())
                        .computeIfAbsent(partial.version(), v -> new ArrayList<>()).add(partial);
            }
        }
        return grouped;
    }

    /** The version with the most records in {@code role}, -1 when none has any. */
    private static <T> int mostOften(Map<Integer, T> byVersion, byte role, java.util.function.Function<T, long[]> roleCounts) {
        int best = -1;
        long most = 0;
        for (Map.Entry<Integer, T> entry : byVersion.entrySet()) {
            long count = roleCounts.apply(entry.getValue())[role];
            if (count > most) {
                most = count;
                best = entry.getKey();
            }
        }
        return best;
    }

    private static int mostOften(Map<Integer, List<WindowPartial>> outcomes, byte role) {
        return mostOften(outcomes, role, ModelHealthFunction::roleCounts);
    }

    private static long[] roleCounts(List<WindowPartial> partials) {
        long[] counts = new long[WindowPartial.ROLES];
        if (partials != null) {
            for (WindowPartial partial : partials) {
                for (int r = 0; r < WindowPartial.ROLES; r++) {
                    counts[r] += partial.roleCounts()[r];
                }
            }
        }
        return counts;
    }

    private static String roleOf(long[] roleCounts) {
        int best = -1;
        long most = 0;
        for (int r = 0; r < Observation.OTHER; r++) {
            if (roleCounts[r] > most) {
                most = roleCounts[r];
                best = r;
            }
        }
        return best < 0 ? ModelHealthReport.NO_ROLE : Observation.roleName(best);
    }

    private static String waitingKey(int version, long windowStart) {
        return version + "/" + windowStart;
    }

    private static double ratio(DriftFigures figures) {
        return figures.threshold() == null ? 0 : figures.psi() / figures.threshold();
    }

    private static void putIfPresent(Map<String, Double> evidence, String name, Double value) {
        if (value != null) {
            evidence.put(name, value);
        }
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private MonitorMetrics metrics(String model) {
        return metrics.computeIfAbsent(model, m -> new MonitorMetrics(flywheel, m));
    }
}
