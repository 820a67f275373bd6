package dev.flywheel.trainer.worker;

import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.client.RegistryClientException;
import dev.flywheel.retrain.RetrainRequest;
import dev.flywheel.trainer.TrainerMetrics;
import dev.flywheel.trainer.training.TrainingOptions;
import dev.flywheel.http.HardenedHttpServer;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pulsar.client.api.PulsarClientException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code flywheel-trainer worker}: a trainer worker ({@link RetrainWorker} over
 * {@link ChallengerTraining}) that runs until interrupted. Bad arguments are one line and exit 2;
 * an unreachable registry or Pulsar at start is one line and exit 1.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Takes retrain requests from Pulsar (shared subscription), trains a challenger on the window's"
                + " labelled outcomes from Kafka, compares it with the champion on the same holdout, and registers it"
                + " as challenger at the canary share if it passes the gate. Runs until interrupted.")
public final class WorkerCommand implements Callable<Integer> {
    static final int EXIT_FAILURE = 1;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--pulsar", required = true, paramLabel = "URL", description = "Pulsar service URL, e.g. pulsar://localhost:6650")
    String pulsar;

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Kafka brokers holding the outcomes topic")
    String bootstrap;

    @Option(names = "--registry", required = true, paramLabel = "URL", description = "registry base URL")
    String registry;

    @Option(names = "--token", description = "registry editor token (default: $FLYWHEEL_REGISTRY_TOKEN)")
    String token;

    @Option(names = "--topic", defaultValue = RetrainRequest.TOPIC, description = "retrain request topic (default ${DEFAULT-VALUE})")
    String topic;

    @Option(names = "--subscription", defaultValue = RetrainWorker.Settings.DEFAULT_SUBSCRIPTION,
            description = "shared subscription every worker joins (default ${DEFAULT-VALUE})")
    String subscription;

    @Option(names = "--dead-letter-topic", description = "where requests go after their last attempt (default <topic>-<subscription>-DLQ)")
    String deadLetterTopic;

    @Option(names = "--max-redeliveries", defaultValue = "5",
            description = "redeliveries after a failed first attempt; the last failure dead-letters (default ${DEFAULT-VALUE})")
    int maxRedeliveries;

    @Option(names = "--backoff-min", defaultValue = "30s", paramLabel = "DURATION",
            description = "delay before the first redelivery, doubling each time (default ${DEFAULT-VALUE})")
    String backoffMin;

    @Option(names = "--backoff-max", defaultValue = "10min", paramLabel = "DURATION", description = "longest redelivery delay (default ${DEFAULT-VALUE})")
    String backoffMax;

    @Option(names = "--outcomes-topic", defaultValue = "outcomes", description = "labelled decisions (default ${DEFAULT-VALUE})")
    String outcomesTopic;

    @Option(names = "--canary-share", defaultValue = "0.1", description = "challenger share of decisions (default ${DEFAULT-VALUE})")
    double canaryShare;

    @Option(names = "--auc-margin", defaultValue = "0.01",
            description = "the candidate's holdout AUC may trail the champion's by this much (default ${DEFAULT-VALUE})")
    double aucMargin;

    @Option(names = "--min-holdout-rows", defaultValue = "1000", description = "smallest holdout the gate judges (default ${DEFAULT-VALUE})")
    int minHoldoutRows;

    @Option(names = "--min-per-class", defaultValue = "50",
            description = "fewest purchases, and non-purchases, the holdout must hold (default ${DEFAULT-VALUE})")
    int minPerClass;

    @Option(names = "--min-training-rows", defaultValue = "1000",
            description = "fewer rows in the window fail the attempt, to be retried (default ${DEFAULT-VALUE})")
    int minTrainingRows;

    @Option(names = "--holdout-fraction", defaultValue = "0.3", description = "latest share of the window held out (default ${DEFAULT-VALUE})")
    double holdoutFraction;

    @Option(names = "--epochs", defaultValue = "5", description = "SGD passes (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--learning-rate", defaultValue = "0.1", description = "AdaGrad learning rate (default ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--minibatch", defaultValue = "16", description = "examples per SGD step (default ${DEFAULT-VALUE})")
    int minibatch;

    @Option(names = "--seed", defaultValue = "42", description = "training seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--name", description = "this worker's name in Pulsar and in its log lines")
    String name;

    @Option(names = "--metrics-port", description = "serve Prometheus metrics on this port (0 picks a free one)")
    Integer metricsPort;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String registryToken = token != null ? token : System.getenv("FLYWHEEL_REGISTRY_TOKEN");
        ChallengerTraining.Settings training = trainingSettings();
        RetrainWorker.Settings queue = queueSettings();
        if (registryToken == null || registryToken.isBlank()) {
            throw usage("the worker needs --token or $FLYWHEEL_REGISTRY_TOKEN (an editor token)");
        }
        if (!(registry.startsWith("http://") || registry.startsWith("https://"))) {
            throw usage("--registry must be an http:// or https:// URL, was " + registry);
        }
        RegistryClient client = new RegistryClient(URI.create(registry), registryToken);
        try {
            client.listModels();
        } catch (RegistryClientException e) {
            spec.commandLine().getErr().println("flywheel-trainer: the registry at " + registry + " answered "
                    + e.code() + ": " + e.getMessage().replace('\n', ' '));
            return EXIT_FAILURE;
        }

        TrainerMetrics metrics = new TrainerMetrics();
        HardenedHttpServer server = metricsPort == null ? null : metrics.serve(metricsPort);
        java.util.function.Consumer<String> log = line -> out.println(Instant.now() + " " + line);
        RetrainWorker worker;
        try {
            worker = RetrainWorker.start(queue, new ChallengerTraining(training, client, metrics, log), metrics, log);
        } catch (PulsarClientException e) {
            if (server != null) {
                server.close();
            }
            spec.commandLine().getErr().println("flywheel-trainer: cannot subscribe to " + topic + " on " + pulsar + ": "
                    + RetrainWorker.oneLine(e));
            return EXIT_FAILURE;
        }
        if (server != null) {
            log.accept("metrics on http://localhost:" + server.port() + "/metrics");
        }
        Thread shutdown = new Thread(worker::close, "retrain-worker-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        try {
            worker.awaitTermination();
            // The loop only ends by itself when receiving fails for good.
            return worker.wasClosed() ? 0 : EXIT_FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } finally {
            worker.close();
            if (server != null) {
                server.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(shutdown);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running already.
            }
        }
    }

    private ChallengerTraining.Settings trainingSettings() {
        if (!(canaryShare > 0 && canaryShare <= 1)) {
            throw usage("--canary-share must be in (0, 1], was " + canaryShare);
        }
        if (!(holdoutFraction > 0 && holdoutFraction < 1)) {
            throw usage("--holdout-fraction must be between 0 and 1 (exclusive), was " + holdoutFraction);
        }
        if (minTrainingRows < 1) {
            throw usage("--min-training-rows must be at least 1, was " + minTrainingRows);
        }
        try {
            ChallengerGate gate = new ChallengerGate(aucMargin, minHoldoutRows, minPerClass);
            return new ChallengerTraining.Settings(bootstrap, outcomesTopic, Duration.ofSeconds(30), holdoutFraction,
                    new TrainingOptions(epochs, learningRate, minibatch, seed), minTrainingRows, gate, canaryShare);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    private RetrainWorker.Settings queueSettings() {
        if (!(pulsar.startsWith("pulsar://") || pulsar.startsWith("pulsar+ssl://"))) {
            throw usage("--pulsar must be a pulsar:// or pulsar+ssl:// URL, was " + pulsar);
        }
        if (maxRedeliveries < 1) {
            throw usage("--max-redeliveries must be at least 1, was " + maxRedeliveries);
        }
        Duration min = duration("--backoff-min", backoffMin);
        Duration max = duration("--backoff-max", backoffMax);
        if (max.compareTo(min) < 0) {
            throw usage("--backoff-max must be at least --backoff-min");
        }
        return new RetrainWorker.Settings(pulsar, topic, subscription, maxRedeliveries, min, max, deadLetterTopic, name);
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|min|h)");

    private Duration duration(String option, String text) {
        Matcher matcher = DURATION.matcher(text.trim());
        if (!matcher.matches()) {
            throw usage(option + " must be a number with ms, s, min or h, e.g. 30s, was " + text);
        }
        long amount = Long.parseLong(matcher.group(1));
        Duration duration = switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "min" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
        if (duration.toMillis() < 1) {
            throw usage(option + " must be at least 1ms, was " + text);
        }
        return duration;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
