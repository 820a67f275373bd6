package dev.flywheel.trainer;

import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.models.ModelContracts;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.simulator.DriftScenario;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.trainer.dataset.EventFileExamples;
import dev.flywheel.trainer.dataset.InsufficientDataException;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.dataset.OutcomeExamples;
import dev.flywheel.trainer.dataset.SimulatedWarmup;
import dev.flywheel.trainer.dataset.SplitOptions;
import dev.flywheel.trainer.evaluation.CalibrationTable;
import dev.flywheel.trainer.evaluation.HoldoutEvaluation;
import dev.flywheel.trainer.evaluation.SingleFeatureBaseline;
import dev.flywheel.trainer.training.ModelKind;
import dev.flywheel.trainer.training.TrainingOptions;
import dev.flywheel.trainer.trees.BoostingOptions;
import dev.flywheel.trainer.worker.WorkerCommand;
import dev.flywheel.http.HardenedHttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code flywheel-trainer}: trains the purchase-propensity model. Progress and metrics go to
 * standard output; bad arguments print one line on stderr and exit 2, failures exit 1.
 */
@Command(name = "flywheel-trainer", mixinStandardHelpOptions = true,
        description = "Trains, evaluates and registers Flywheel's purchase-propensity model.",
        subcommands = {TrainerCli.Train.class, WorkerCommand.class})
public final class TrainerCli implements Runnable {
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;
    /** Fewer rows than this leave a holdout too small to judge a model by. */
    static final int MIN_OUTCOME_ROWS = 1_000;

    @Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command and returns its exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new TrainerCli());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler((ParameterException e, String[] ignored) -> {
            e.getCommandLine().getErr().println("flywheel-trainer: " + e.getMessage() + " (see --help)");
            return EXIT_USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            cmd.getErr().println("flywheel-trainer: " + oneLine(e));
            return EXIT_FAILURE;
        });
        return commandLine.execute(args);
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: train or worker");
    }

    static String oneLine(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return message.replace('\n', ' ');
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Trains on a simulated warm-up period, or on the scoring job's outcomes topic (the vectors "
                    + "serving logged, with their labels), evaluates on the later part, writes model.onnx, "
                    + "descriptor.json and report.json, and registers the version if asked.")
    static final class Train implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--seed", defaultValue = "42", description = "simulator and training seed (default ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--events", defaultValue = "200000", description = "simulated warm-up events (default ${DEFAULT-VALUE})")
        int events;

        @Option(names = "--users", defaultValue = "100000", description = "simulated shoppers (default ${DEFAULT-VALUE})")
        int users;

        @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
                description = "Kafka brokers: train on --outcomes-topic instead of a simulated warm-up")
        String bootstrap;

        @Option(names = "--outcomes-topic", defaultValue = "outcomes",
                description = "with --bootstrap: the topic of labelled decisions (default ${DEFAULT-VALUE})")
        String outcomesTopic;

        @Option(names = "--from", paramLabel = "INSTANT",
                description = "with --bootstrap: first event time taken, e.g. 2026-01-01T00:00:00Z")
        Instant from;

        @Option(names = "--until", paramLabel = "INSTANT", description = "with --bootstrap: event times before this")
        Instant until;

        @Option(names = "--events-file", paramLabel = "FILE",
                description = "train on this JSON-lines file of shop events (docs/events.md) instead of a simulated"
                        + " warm-up: featurized as the scoring job would, labelled by the attribution rule")
        Path eventsFile;

        @Option(names = "--holdout-fraction", defaultValue = "0.3",
                description = "latest share of the events held out for evaluation (default ${DEFAULT-VALUE})")
        double holdoutFraction;

        @Option(names = "--label-window", defaultValue = "30m", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "a purchase this long after an event labels it (simulation, --events-file); with"
                        + " --bootstrap, the window the outcomes were labelled with. The holdout's last window is"
                        + " censored (default ${DEFAULT-VALUE}; e.g. 10m, 1h30m)")
        Duration labelWindow;

        @Option(names = "--purge", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "training ends this long before the holdout starts (default: the label window; shorter"
                        + " lets holdout purchases decide training labels)")
        Duration purge;

        @Option(names = "--min-train-rows", defaultValue = "" + SplitOptions.DEFAULT_MIN_TRAIN_ROWS,
                description = "fewer training rows than this is an error (default ${DEFAULT-VALUE})")
        int minTrainRows;

        @Option(names = "--min-holdout-rows", defaultValue = "" + SplitOptions.DEFAULT_MIN_HOLDOUT_ROWS,
                description = "fewer holdout rows than this is an error (default ${DEFAULT-VALUE})")
        int minHoldoutRows;

        @Option(names = "--model", defaultValue = "boosted-trees", paramLabel = "KIND",
                description = "boosted-trees or logistic (default ${DEFAULT-VALUE})")
        String model;

        @Option(names = "--trees", description = "boosted-trees: boosting rounds (default " + BoostingOptions.DEFAULT_TREES + ")")
        Integer trees;

        @Option(names = "--leaves", description = "boosted-trees: leaves per tree (default " + BoostingOptions.DEFAULT_LEAVES + ")")
        Integer leaves;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory")
        Path outDir;

        @Option(names = "--model-name", defaultValue = "purchase-propensity", description = "registry model name (default ${DEFAULT-VALUE})")
        String modelName;

        @Option(names = "--epochs", defaultValue = "5", description = "logistic: SGD passes over the training data (default ${DEFAULT-VALUE})")
        int epochs;

        @Option(names = "--learning-rate", defaultValue = "0.1", description = "logistic: AdaGrad learning rate (default ${DEFAULT-VALUE})")
        double learningRate;

        @Option(names = "--minibatch", defaultValue = "16", description = "logistic: examples per SGD step (default ${DEFAULT-VALUE})")
        int minibatch;

        @Option(names = "--registry", paramLabel = "URL", description = "registry base URL: register the trained version there")
        String registry;

        @Option(names = "--token", description = "registry editor token (default: $FLYWHEEL_REGISTRY_TOKEN)")
        String token;

        @Option(names = "--metrics-port", description = "serve Prometheus metrics on this port during the run")
        Integer metricsPort;

        @Option(names = "--keep-serving", description = "with --metrics-port: keep serving metrics after the run until interrupted")
        boolean keepServing;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            TrainingOptions options = validatedOptions();
            TrainingRun.Settings settings = validatedSettings(options);
            String registryToken = token != null ? token : System.getenv("FLYWHEEL_REGISTRY_TOKEN");
            if (registry != null && (registryToken == null || registryToken.isBlank())) {
                throw new ParameterException(spec.commandLine(), "--registry needs --token or $FLYWHEEL_REGISTRY_TOKEN");
            }
            if (registry != null && !(registry.startsWith("http://") || registry.startsWith("https://"))) {
                throw new ParameterException(spec.commandLine(), "--registry must be an http:// or https:// URL, was " + registry);
            }
            TrainerMetrics metrics = new TrainerMetrics();
            HardenedHttpServer server = metricsPort == null ? null : metrics.serve(metricsPort);
            try {
                if (server != null) {
                    out.printf("metrics on http://localhost:%d/metrics%n", server.port());
                }
                int exit = trainAndReport(settings, metrics, out, registryToken);
                if (server != null && keepServing) {
                    out.println("serving metrics until interrupted");
                    Thread.currentThread().join();
                }
                return exit;
            } finally {
                if (server != null) {
                    server.close();
                }
            }
        }

        private int trainAndReport(TrainingRun.Settings settings, TrainerMetrics metrics, PrintWriter out,
                                   String registryToken) throws Exception {
            long started = System.nanoTime();
            TrainingRun.Result result;
            try {
                LabelledExamples examples = bootstrap != null ? fromOutcomes(out)
                        : eventsFile != null ? fromEventsFile(out) : simulated(out);
                out.printf("%,d labelled examples, %,d purchases within %s (%.1f s)%n", examples.size(),
                        examples.positives(), SplitOptions.format(settings.split().labelWindow()), seconds(started));
                // The descriptor has no field for the feature spec version; the run line records it.
                String data = bootstrap != null ? String.format("outcomes=%s from=%s until=%s", outcomesTopic, from, until)
                        : eventsFile != null ? "events-file=" + eventsFile.getFileName()
                        : String.format("events=%d users=%d", events, users);
                String createdBy = String.format("flywheel-trainer seed=%d %s model=%s holdout=%s label-window=%s"
                                + " purge=%s feature-spec=v%d", seed, data, settings.kind().optionName(), holdoutFraction,
                        SplitOptions.format(settings.split().labelWindow()), SplitOptions.format(settings.split().purge()),
                        FeatureSpec.current().version());
                result = TrainingRun.run(examples, new TrainingRun.Settings(modelName, holdoutFraction,
                        settings.options(), createdBy, settings.kind(), settings.boosting(), settings.split()), out::println);
                TrainingArtifacts.write(outDir, result);
            } catch (Exception | Error e) {
                metrics.runFailed(seconds(started));
                throw e;
            }
            metrics.runSucceeded(seconds(started), result.evaluation());
            printEvaluation(out, result);
            out.printf("wrote %s (%.1f s in all)%n", outDir.toAbsolutePath(), seconds(started));
            return registry == null ? 0 : register(result, new RegistryClient(URI.create(registry), registryToken), metrics, out);
        }

        private LabelledExamples simulated(PrintWriter out) {
            out.printf("simulating %,d warm-up events (seed %d, %,d shoppers) and computing their features%n",
                    events, seed, users);
            return SimulatedWarmup.generate(SimulatorConfig.defaults(seed).withUsers(users), events,
                    FeatureSettings.defaults(), new Attribution(labelWindow));
        }

        private LabelledExamples fromEventsFile(PrintWriter out) throws IOException {
            out.printf("reading events from %s, computing their features and labels%n", eventsFile);
            EventFileExamples.Read read = EventFileExamples.read(eventsFile, new Attribution(labelWindow),
                    FeatureSettings.defaults());
            out.printf("%,d lines: %,d events from %s to %s; left out: %,d rejected%s, %,d repeating an event id%n",
                    read.lines(), read.examples().size(), Instant.ofEpochMilli(read.firstEventTime()),
                    Instant.ofEpochMilli(read.lastEventTime()), read.rejectedLines(),
                    read.rejected().isEmpty() ? "" : " " + read.rejected(), read.duplicates());
            if (read.examples().size() < 2) {
                throw new InsufficientDataException(String.format("%s holds %,d valid events; training needs many more",
                        eventsFile, read.examples().size()));
            }
            return read.examples();
        }

        private LabelledExamples fromOutcomes(PrintWriter out) {
            OutcomeExamples.Selection selection = new OutcomeExamples.Selection(modelName,
                    from == null ? Long.MIN_VALUE : from.toEpochMilli(), until == null ? Long.MAX_VALUE : until.toEpochMilli());
            out.printf("reading %s's outcomes from %s on %s (read_committed)%n", modelName, outcomesTopic, bootstrap);
            OutcomeExamples.Read read = OutcomeExamples.read(bootstrap, outcomesTopic, selection, Duration.ofSeconds(30));
            out.printf("%,d records: %,d rows; left out: %,d of other models, %,d outside the window, %,d of another"
                            + " feature spec version, %,d repeating an event, %,d unreadable%n", read.records(),
                    read.examples().size(), read.otherModels(), read.outsideWindow(), read.otherSpecVersions(),
                    read.repeatedEvents(), read.unreadable());
            if (read.examples().size() < MIN_OUTCOME_ROWS) {
                throw new IllegalStateException(String.format("%s holds %,d rows of %s in the window; training needs at"
                        + " least %,d", outcomesTopic, read.examples().size(), modelName, MIN_OUTCOME_ROWS));
            }
            return read.examples();
        }

        private int register(TrainingRun.Result result, RegistryClient client, TrainerMetrics metrics, PrintWriter out) {
            ModelVersion version;
            try {
                version = client.register(result.descriptor(), result.onnx());
            } catch (RuntimeException e) {
                metrics.registrationFailed();
                throw e;
            }
            metrics.registered(version.status());
            if (version.status() == ModelStatus.REJECTED) {
                spec.commandLine().getErr().printf("flywheel-trainer: the registry rejected %s version %d: %s %s%n",
                        version.name(), version.version(), version.reason(), version.detail());
                return EXIT_FAILURE;
            }
            out.printf("registered %s version %d at %s: %s%n", version.name(), version.version(), registry, version.status());
            return 0;
        }

        private TrainingRun.Settings validatedSettings(TrainingOptions options) {
            ModelKind kind;
            try {
                kind = ModelKind.fromOptionName(model);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--" + e.getMessage());
            }
            if ((trees != null || leaves != null) && kind != ModelKind.BOOSTED_TREES) {
                throw new ParameterException(spec.commandLine(), "--trees and --leaves are options of --model boosted-trees");
            }
            if (labelWindow.isZero() || labelWindow.isNegative()) {
                throw new ParameterException(spec.commandLine(), "--label-window must be positive, was " + labelWindow);
            }
            if (purge != null && purge.isNegative()) {
                throw new ParameterException(spec.commandLine(), "--purge must be 0 or more, was " + purge);
            }
            if (minTrainRows < 1 || minHoldoutRows < 1) {
                throw new ParameterException(spec.commandLine(), "--min-train-rows and --min-holdout-rows must be at least 1");
            }
            BoostingOptions boosting;
            try {
                BoostingOptions defaults = BoostingOptions.defaults(seed);
                boosting = new BoostingOptions(trees == null ? defaults.trees() : trees, defaults.learningRate(),
                        leaves == null ? defaults.maxLeaves() : leaves, defaults.minLeafExamples(), defaults.l2(),
                        defaults.maxBins(), defaults.rowSample(), seed);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--trees must be at least 1 and --leaves at least 2: "
                        + e.getMessage());
            }
            SplitOptions split = new SplitOptions(holdoutFraction, labelWindow, purge == null ? labelWindow : purge,
                    minTrainRows, minHoldoutRows, SplitOptions.DEFAULT_MIN_PURCHASES);
            return new TrainingRun.Settings(modelName, holdoutFraction, options, "", kind, boosting, split);
        }

        private TrainingOptions validatedOptions() {
            if (bootstrap != null && eventsFile != null) {
                throw new ParameterException(spec.commandLine(), "--bootstrap and --events-file are two sources: give one");
            }
            if (eventsFile != null && !Files.isReadable(eventsFile)) {
                throw new ParameterException(spec.commandLine(), "--events-file " + eventsFile + " is not a readable file");
            }
            if (events < 1_000) {
                throw new ParameterException(spec.commandLine(), "--events must be at least 1000, was " + events);
            }
            if (bootstrap == null && (from != null || until != null)) {
                throw new ParameterException(spec.commandLine(), "--from and --until select outcomes: they need --bootstrap");
            }
            if (from != null && until != null && !from.isBefore(until)) {
                throw new ParameterException(spec.commandLine(), "--from must come before --until");
            }
            if (users < 1) {
                throw new ParameterException(spec.commandLine(), "--users must be at least 1, was " + users);
            }
            if (!(holdoutFraction > 0 && holdoutFraction < 1)) {
                throw new ParameterException(spec.commandLine(), "--holdout-fraction must be between 0 and 1 (exclusive), was "
                        + holdoutFraction);
            }
            if (!ModelContracts.isValidModelName(modelName)) {
                throw new ParameterException(spec.commandLine(), "--model-name must match "
                        + ModelContracts.MODEL_NAME.pattern() + ", was " + modelName);
            }
            try {
                return new TrainingOptions(epochs, learningRate, minibatch, seed);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
    }

    static void printEvaluation(PrintWriter out, TrainingRun.Result result) {
        HoldoutEvaluation evaluation = result.evaluation();
        out.printf("holdout: %,d examples, %.1f%% purchased within the label window%n", evaluation.examples(),
                100 * evaluation.positiveRate());
        out.printf("  AUC               %.4f", evaluation.auc());
        if (Double.isFinite(evaluation.bestAchievableAuc())) {
            out.printf("   (best achievable on the same events, the simulator's truth: %.4f)", evaluation.bestAchievableAuc());
        }
        out.println();
        SingleFeatureBaseline baseline = result.baseline();
        out.printf("  best single feature on the holdout: %s, AUC %.4f (the one chosen on the training rows: %s, %.4f)%n",
                baseline.bestOnHoldout(), baseline.bestOnHoldoutAuc(), baseline.chosenOnTraining(),
                baseline.chosenOnTrainingAuc());
        out.printf("  log loss          %.4f%n", evaluation.logLoss());
        out.printf("  Brier             %.4f%n", evaluation.brier());
        out.printf("  calibration error %.4f%n", evaluation.calibration().expectedCalibrationError());
        out.printf("  ONNX Runtime vs the Java model, largest score difference: %.1e%n", result.maxExportDeviation());
        out.println("  calibration: score bin -> mean predicted, observed rate, examples");
        for (CalibrationTable.Bin bin : evaluation.calibration().bins()) {
            if (bin.count() > 0) {
                out.printf("    [%.1f, %.1f)  %.3f  %.3f  %,d%n", bin.lower(), bin.upper(), bin.meanPredicted(),
                        bin.observedRate(), bin.count());
            }
        }
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    /** Reads durations as the simulator's options write them: 90s, 10m, 1h30m, 2d (or ISO-8601, PT10M). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            if (value.startsWith("P") || value.startsWith("p")) {
                return Duration.parse(value);
            }
            return DriftScenario.parseDuration(value);
        }
    }
}
