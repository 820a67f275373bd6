package dev.flywheel.trainer.worker;

import dev.flywheel.features.FeatureSpec;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.api.ModelSummary;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.client.RegistryClientException;
import dev.flywheel.retrain.RetrainRequest;
import dev.flywheel.trainer.TrainerMetrics;
import dev.flywheel.trainer.TrainingRun;
import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.dataset.OutcomeExamples;
import dev.flywheel.trainer.evaluation.HoldoutEvaluation;
import dev.flywheel.trainer.export.OnnxScorer;
import dev.flywheel.trainer.training.TrainingOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The worker's work for one request: train a challenger on the labelled outcomes of the request's
 * window, judge it against the champion on the same holdout, and canary it.
 *
 * <pre>
 * registry: a version for this key already?  --yes--> duplicate (or finish its release)
 * Kafka outcomes, read_committed, the window --> TrainingRun: split, fit, ONNX, holdout scores
 * registry: champion's ONNX --> scored on the same holdout rows
 * ChallengerGate --refused--> gate_refused
 * registry: register (validated there) --> challenger at the canary share, beside the champion
 * </pre>
 *
 * <p>Idempotency lives in the registry: the version's {@code created_by} records the request's key
 * ({@link RetrainKeys}), and every step looks it up there. Two workers that hold copies of one key
 * at the same moment both train (nothing in the registry can stop that) and both register; then the
 * lower-numbered copy is kept and the other archives itself, so one version per key is served. The
 * exception is a model with no champion yet, where the registry makes whichever copy becomes ready
 * first the champion on its own: that copy is kept, and the other steps back.
 *
 * <p>Failures are exceptions, retried by the worker: Kafka or the registry unreachable, fewer rows
 * than {@code minTrainingRows} in the window (outcomes are labelled up to an attribution window
 * after their decision, so a young window fills up), a window too short for the time split, a
 * version the registry rejects.
 */
public final class ChallengerTraining implements RetrainHandler {

    /**
     * @param bootstrapServers Kafka, for the outcomes topic
     * @param kafkaTimeout     how long one Kafka call may block before the read fails
     * @param minTrainingRows  fewer rows in the window fail the attempt
     * @param canaryShare      challenger share of decisions, in (0, 1]
     */
    public record Settings(String bootstrapServers, String outcomesTopic, Duration kafkaTimeout, double holdoutFraction,
                           TrainingOptions options, int minTrainingRows, ChallengerGate gate, double canaryShare) {
        public Settings {
            if (!(holdoutFraction > 0 && holdoutFraction < 1)) {
                throw new IllegalArgumentException("the holdout fraction must be between 0 and 1, was " + holdoutFraction);
            }
            if (!(canaryShare > 0 && canaryShare <= 1)) {
                throw new IllegalArgumentException("the canary share must be in (0, 1], was " + canaryShare);
            }
            if (minTrainingRows < 1) {
                throw new IllegalArgumentException("the minimum training rows must be at least 1, was " + minTrainingRows);
            }
        }
    }

    private final Settings settings;
    private final RegistryClient registry;
    private final TrainerMetrics metrics;
    private final Consumer<String> log;

    public ChallengerTraining(Settings settings, RegistryClient registry, TrainerMetrics metrics, Consumer<String> log) {
        this.settings = settings;
        this.registry = registry;
        this.metrics = metrics;
        this.log = log;
    }

    @Override
    public RetrainOutcome handle(RetrainRequest request) throws Exception {
        String model = request.model();
        Optional<ModelVersion> earlier = firstClaim(model, request.idempotencyKey());
        if (earlier.isPresent()) {
            return finishOrSkip(earlier.get());
        }

        OutcomeExamples.Read read = OutcomeExamples.read(settings.bootstrapServers(), settings.outcomesTopic(),
                new OutcomeExamples.Selection(model, request.windowStart(), request.windowEnd()), settings.kafkaTimeout());
        log.accept(String.format("%s: %,d outcome records read, %,d rows in the window (%,d outside it, %,d of other"
                        + " models, %,d of another feature spec, %,d repeated events, %,d unreadable)",
                request.idempotencyKey(), read.records(), read.examples().size(), read.outsideWindow(),
                read.otherModels(), read.otherSpecVersions(), read.repeatedEvents(), read.unreadable()));
        if (read.examples().size() < settings.minTrainingRows()) {
            throw new IllegalStateException(String.format("the window holds %,d rows of %s, training needs at least %,d"
                    + " (its outcomes may still be arriving)", read.examples().size(), model, settings.minTrainingRows()));
        }
        abandonIfInterrupted();

        long started = System.nanoTime();
        TrainingRun.Result result;
        try {
            result = TrainingRun.run(read.examples(), new TrainingRun.Settings(model, settings.holdoutFraction(),
                    settings.options(), RetrainKeys.createdBy(request, FeatureSpec.current().version())),
                    line -> log.accept(request.idempotencyKey() + ": " + line));
        } catch (Exception | Error e) {
            metrics.runFailed((System.nanoTime() - started) / 1e9);
            throw e;
        }
        metrics.runSucceeded((System.nanoTime() - started) / 1e9, result.evaluation());
        abandonIfInterrupted();

        ModelSummary before = summaryOrNull(model);
        int champion = before == null ? 0 : before.champion();
        HoldoutEvaluation championOnHoldout = null;
        if (champion > 0) {
            Optional<HoldoutEvaluation> scored = scoreChampion(model, champion, result.split().holdout());
            if (scored.isEmpty()) {
                return RetrainOutcome.gateRefused("champion v" + champion + " reads features these outcomes do not"
                        + " carry, so the two cannot be compared on one holdout");
            }
            championOnHoldout = scored.get();
        }
        ChallengerGate.Verdict verdict = settings.gate().judge(result.evaluation(), championOnHoldout);
        log.accept(String.format("%s: gate %s: %s%s", request.idempotencyKey(),
                verdict.passed() ? "passed" : "refused (" + verdict.reason() + ")", verdict.figures(),
                champion > 0 ? " (champion v" + champion + " on the same rows)" : ""));
        if (!verdict.passed()) {
            return RetrainOutcome.gateRefused(verdict.reason());
        }
        abandonIfInterrupted();

        ModelVersion registered;
        try {
            registered = registry.register(withGateFigures(result.descriptor(), verdict, champion), result.onnx());
        } catch (RuntimeException e) {
            metrics.registrationFailed();
            throw e;
        }
        metrics.registered(registered.status());
        if (registered.status() != ModelStatus.READY) {
            throw new IllegalStateException(String.format("the registry answered %s for %s version %d: %s %s",
                    registered.status(), model, registered.version(), registered.reason(), registered.detail()));
        }
        ModelVersion first = firstClaim(model, request.idempotencyKey()).orElse(registered);
        if (first.version() != registered.version()) {
            if (holdsAlias(registry.model(model), registered.version())) {
                // The model had no champion and the registry made this copy its champion on its own:
                // this copy stays, and the other worker's release sees it and steps back.
                return RetrainOutcome.trained(registered.version(), "registered v" + registered.version()
                        + ", champion: the model had none (v" + first.version() + ", a copy for the same key, steps back)");
            }
            registry.archive(model, registered.version());
            return RetrainOutcome.duplicate(first.version(), "another worker registered v" + first.version()
                    + " for this key first; archived the copy v" + registered.version());
        }
        abandonIfInterrupted();
        return release(model, registered.version(), request.idempotencyKey(), "registered");
    }

    /**
     * A version registered for the key earlier: done, unless an earlier attempt registered it and
     * failed before making it challenger (the registry was unreachable for that call, say). A READY
     * version that has never held an alias is released now; one that has, or an archived one, is
     * left as it is. Known limit: a challenger that the release controller dropped without archiving
     * it looks the same as one never released, and a duplicate request would canary it again.
     */
    private RetrainOutcome finishOrSkip(ModelVersion earlier) {
        ModelSummary summary = summaryOrNull(earlier.name());
        int version = earlier.version();
        boolean served = summary != null && (holdsAlias(summary, version) || summary.championHistory().contains(version));
        if (earlier.status() == ModelStatus.READY && !served) {
            return release(earlier.name(), version, RetrainKeys.keyOf(earlier.descriptor().createdBy()).orElseThrow(),
                    "resumed the release of v" + version + ", registered by an earlier attempt:");
        }
        return RetrainOutcome.duplicate(version, "v" + version + " was registered for this key already ("
                + earlier.status().name().toLowerCase(java.util.Locale.ROOT) + ")");
    }

    private RetrainOutcome release(String model, int version, String key, String what) {
        ModelSummary now = registry.model(model);
        if (now.champion() == version) {
            return RetrainOutcome.trained(version, what + " v" + version + ", champion: the model had none");
        }
        if (now.champion() > 0 && RetrainKeys.keyOf(registry.describe(model, now.champion()).descriptor().createdBy())
                .filter(key::equals).isPresent()) {
            // Two copies of one key registered at once on a model without a champion, and the registry
            // made the other one champion: it is the version for this key, this one steps back.
            registry.archive(model, version);
            return RetrainOutcome.duplicate(now.champion(), "v" + now.champion() + ", a copy for the same key, became"
                    + " champion first; archived v" + version);
        }
        registry.setAliases(model, new AliasUpdate(now.champion(), version, now.shadow(), settings.canaryShare(),
                now.shadowShare()));
        return RetrainOutcome.trained(version, String.format("%s v%d, challenger for %.1f%% of decisions beside champion"
                        + " v%d%s", what, version, 100 * settings.canaryShare(), now.champion(),
                now.challenger() > 0 && now.challenger() != version ? " (replacing challenger v" + now.challenger() + ")" : ""));
    }

    private static boolean holdsAlias(ModelSummary summary, int version) {
        return summary.champion() == version || summary.challenger() == version || summary.shadow() == version;
    }

    /** The lowest-numbered version whose {@code created_by} records this key, rejected ones left out. */
    private Optional<ModelVersion> firstClaim(String model, String key) {
        List<ModelVersion> versions;
        try {
            versions = registry.versions(model);
        } catch (RegistryClientException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
        return versions.stream()
                .filter(v -> v.status() != ModelStatus.REJECTED)
                .filter(v -> RetrainKeys.keyOf(v.descriptor().createdBy()).filter(key::equals).isPresent())
                .min(Comparator.comparingInt(ModelVersion::version));
    }

    private ModelSummary summaryOrNull(String model) {
        try {
            return registry.model(model);
        } catch (RegistryClientException e) {
            if (e.status() == 404) {
                return null;
            }
            throw e;
        }
    }

    /**
     * The champion's served scores on the candidate's holdout rows, its inputs looked up by name in
     * the rows' feature spec; empty if it reads a feature the rows do not have.
     */
    private Optional<HoldoutEvaluation> scoreChampion(String model, int champion, LabelledExamples holdout)
            throws Exception {
        ModelDescriptor descriptor = registry.describe(model, champion).descriptor();
        int[] columns = new int[descriptor.inputs().size()];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = holdout.featureNames().indexOf(descriptor.inputs().get(i));
            if (columns[i] < 0) {
                return Optional.empty();
            }
        }
        List<double[]> rows = new ArrayList<>(holdout.size());
        for (LabelledExample example : holdout.examples()) {
            double[] row = new double[columns.length];
            for (int i = 0; i < columns.length; i++) {
                row[i] = example.features()[columns[i]];
            }
            rows.add(row);
        }
        byte[] onnx = registry.download(model, champion);
        try (OnnxScorer scorer = new OnnxScorer(onnx, columns.length, descriptor.inputTensor(),
                descriptor.output().tensor())) {
            double[] scores = scorer.column(rows, descriptor.output().scoreIndex());
            return Optional.of(HoldoutEvaluation.of(scores, holdout.labels(), null));
        }
    }

    /** The gate's comparison goes into the version's metrics, so the registry keeps why it was let through. */
    private static ModelDescriptor withGateFigures(ModelDescriptor descriptor, ChallengerGate.Verdict verdict, int champion) {
        Map<String, Double> metrics = new LinkedHashMap<>(descriptor.metrics());
        if (champion > 0) {
            metrics.put("champion_auc", verdict.championAuc());
            metrics.put("champion_version", (double) champion);
        }
        metrics.put("gate_auc_margin", verdict.aucMargin());
        metrics.values().removeIf(value -> !Double.isFinite(value));
        return new ModelDescriptor(descriptor.name(), descriptor.version(), descriptor.sha256(), descriptor.inputTensor(),
                descriptor.inputs(), descriptor.output(), metrics, descriptor.reference(), descriptor.createdBy());
    }

    private static void abandonIfInterrupted() throws InterruptedException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException("the worker was closed; the request goes back to the queue");
        }
    }
}
