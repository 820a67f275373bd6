package dev.flywheel.registry.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.events.Topics;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelJson;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.models.ServingVariant;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.api.ModelSummary;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.client.RegistryClientException;
import dev.flywheel.registry.release.ReleaseController;
import dev.flywheel.registry.release.ReleasePolicy;
import dev.flywheel.registry.store.FileSystemModelStore;
import dev.flywheel.registry.validation.ModelValidator;
import dev.flywheel.http.HardenedHttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flywheel-registry}: runs the registry service ({@code serve}) or talks to one
 * (register, list, show, promote, rollback, aliases, archive).
 *
 * <p>Errors are one line on stderr. Exit status: 0 done, 1 the registry refused or could not be
 * reached (or a registered model was rejected), 2 bad command-line input.
 */
@Command(name = "flywheel-registry", mixinStandardHelpOptions = true,
        description = "Flywheel model registry: serve it, or register, list, show, promote and roll back models.",
        subcommands = {RegistryCommand.Serve.class, RegistryCommand.Register.class, RegistryCommand.ListModels.class,
                RegistryCommand.Show.class, RegistryCommand.Promote.class, RegistryCommand.Rollback.class,
                RegistryCommand.Aliases.class, RegistryCommand.Archive.class, RegistryCommand.ReleaseControl.class})
public final class RegistryCommand {
    static final int REFUSED = 1;
    static final int BAD_INPUT = 2;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line, writing to the given streams; returns the exit status. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new RegistryCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, a) -> {
            err.println("error: " + e.getMessage() + " (see --help)");
            return BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof RegistryClientException refused) {
                err.println("error: " + refused.code() + ": " + oneLine(refused.getMessage()));
                return REFUSED;
            }
            if (e instanceof IllegalArgumentException || e instanceof IOException) {
                err.println("error: " + oneLine(e.getMessage()));
                return BAD_INPUT;
            }
            if (e instanceof IllegalStateException) {
                err.println("error: " + oneLine(e.getMessage()));
                return REFUSED;
            }
            throw e;
        });
        return cli.execute(args);
    }

    static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }

    /** Where the registry is and who is asking; shared by the client commands. */
    static class Connection {
        @Option(names = "--url", defaultValue = "${env:FLYWHEEL_REGISTRY_URL:-http://127.0.0.1:8095}",
                description = "Registry URL (env FLYWHEEL_REGISTRY_URL; default ${DEFAULT-VALUE}).")
        String url;

        @Option(names = "--token", defaultValue = "${env:FLYWHEEL_REGISTRY_TOKEN}",
                description = "Bearer token (env FLYWHEEL_REGISTRY_TOKEN; in local mode local-editor-token).")
        String token;

        RegistryClient client() {
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("no token: pass --token or set FLYWHEEL_REGISTRY_TOKEN");
            }
            return new RegistryClient(URI.create(url), token);
        }
    }

    @Command(name = "serve", description = "Run the registry service until stopped.")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--store", defaultValue = "run/model-registry", description = "Store directory (default ${DEFAULT-VALUE}).")
        Path store;
        @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}).")
        String bind;
        @Option(names = "--port", defaultValue = "8095", description = "Port (default ${DEFAULT-VALUE}).")
        int port;
        @Option(names = "--public-url", description = "Base URL clients reach this registry at (default http://bind:port).")
        String publicUrl;
        @Option(names = "--kafka", defaultValue = "${env:FLYWHEEL_KAFKA_BOOTSTRAP}",
                description = "Kafka bootstrap servers for model-updates (env FLYWHEEL_KAFKA_BOOTSTRAP).")
        String kafka;
        @Option(names = "--local", description = "Local mode: default tokens allowed, Kafka optional. Never in production.")
        boolean local;
        @Option(names = "--max-artifact-mb", defaultValue = "64", description = "Largest model accepted (default ${DEFAULT-VALUE}).")
        int maxArtifactMb;
        @Option(names = "--validation-timeout-s", defaultValue = "60", description = "Validator time limit (default ${DEFAULT-VALUE}).")
        int validationTimeoutSeconds;

        @Override
        public Integer call() throws InterruptedException {
            if (port < 0 || port > 65535 || maxArtifactMb < 1 || validationTimeoutSeconds < 1) {
                throw new IllegalArgumentException("--port must be 0..65535, --max-artifact-mb and --validation-timeout-s >= 1");
            }
            ModelValidator.Settings validation = new ModelValidator.Settings(maxArtifactMb * 1024L * 1024,
                    Duration.ofSeconds(validationTimeoutSeconds), "512m", null);
            RegistryService.Config config = new RegistryService.Config(FileSystemModelStore.open(store), bind, port, publicUrl,
                    blankToNull(kafka), System.getenv("FLYWHEEL_REGISTRY_EDITOR_TOKEN"),
                    System.getenv("FLYWHEEL_REGISTRY_READER_TOKEN"), local, validation, null);
            RegistryService service = RegistryService.start(config);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                service.close();
                stopped.countDown();
            }));
            System.out.println("model registry at " + service.url() + (local ? " (local mode)" : ""));
            stopped.await();
            return 0;
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s;
        }
    }

    @Command(name = "register", description = "Register a model version: ONNX file plus descriptor JSON. Prints the verdict.")
    static final class Register implements Callable<Integer> {
        @CommandLine.Mixin
        Connection connection = new Connection();
        @Option(names = "--model", required = true, description = "ONNX file.")
        Path model;
        @Option(names = "--descriptor", required = true, description = "Descriptor JSON; sha256 and version are filled in when absent.")
        Path descriptor;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            byte[] artifact = Files.readAllBytes(model);
            if (!(ModelJson.mapper().readTree(Files.readAllBytes(descriptor)) instanceof ObjectNode json)) {
                throw new IllegalArgumentException(descriptor + " is not a JSON object");
            }
            if (!json.hasNonNull("sha256")) {
                json.put("sha256", RegistryClient.sha256(artifact));
            }
            if (!json.hasNonNull("version")) {
                json.put("version", 0); // the registry assigns it
            }
            ModelDescriptor parsed = ModelJson.descriptor(ModelJson.mapper().writeValueAsBytes(json));
            ModelVersion version = connection.client().register(parsed, artifact);
            PrintWriter out = spec.commandLine().getOut();
            if (version.status() == ModelStatus.REJECTED) {
                spec.commandLine().getErr().println("error: " + version.name() + "/" + version.version()
                        + " rejected: " + version.reason() + ": " + oneLine(version.detail()));
                return REFUSED;
            }
            out.println(version.name() + "/" + version.version() + " " + version.status());
            return 0;
        }
    }

    @Command(name = "list", description = "List models, or the versions of one model.")
    static final class ListModels implements Callable<Integer> {
        @CommandLine.Mixin
        Connection connection = new Connection();
        @Parameters(arity = "0..1", paramLabel = "MODEL")
        String model;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            RegistryClient client = connection.client();
            if (model == null) {
                client.listModels().forEach(out::println);
            } else {
                for (ModelVersion v : client.versions(model)) {
                    out.printf("%d\t%s\t%s\t%s%n", v.version(), v.status(), v.descriptor().sha256(),
                            v.reason().isEmpty() ? "" : v.reason() + ": " + oneLine(v.detail()));
                }
            }
            return 0;
        }
    }

    @Command(name = "show", description = "Show a model (aliases, versions) or one version's descriptor as JSON.")
    static final class Show implements Callable<Integer> {
        @CommandLine.Mixin
        Connection connection = new Connection();
        @Parameters(index = "0", paramLabel = "MODEL")
        String model;
        @Parameters(index = "1", arity = "0..1", paramLabel = "VERSION")
        Integer version;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            RegistryClient client = connection.client();
            if (version != null) {
                out.println(ModelJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(client.describe(model, version)));
                return 0;
            }
            ModelSummary summary = client.model(model);
            out.printf("%s champion=%d challenger=%d (share %.3f) shadow=%d (share %.3f) history=%s%n", summary.name(),
                    summary.champion(), summary.challenger(), summary.challengerShare(), summary.shadow(),
                    summary.shadowShare(), summary.championHistory());
            for (ModelVersion v : summary.versions()) {
                out.printf("  %d\t%s\t%s%n", v.version(), v.status(), v.reason());
            }
            return 0;
        }
    }

    @Command(name = "promote", description = "Make a version champion (default: the current challenger).")
    static final class Promote implements Callable<Integer> {
        @CommandLine.Mixin
        Connection connection = new Connection();
        @Parameters(index = "0", paramLabel = "MODEL")
        String model;
        @Parameters(index = "1", arity = "0..1", paramLabel = "VERSION")
        Integer version;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            RegistryClient client = connection.client();
            ServingConfig config = version == null ? client.promote(model) : client.promote(model, version);
            spec.commandLine().getOut().println(describe(config));
            return 0;
        }
    }

    @Command(name = "rollback", description = "Bring back the previous champion.")
    static final class Rollback implements Callable<Integer> {
        @CommandLine.Mixin
        Connection connection = new Connection();
        @Parameters(index = "0", paramLabel = "MODEL")
        String model;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println(describe(connection.client().rollback(model)));
            return 0;
        }
    }

    @Command(name = "release-controller", description = "Promote or roll back canaries on the monitor's model-health"
            + " reports, until stopped. Needs an editor token.")
    static final class ReleaseControl implements Callable<Integer> {
        @CommandLine.Mixin
        Connection connection = new Connection();
        @Option(names = "--kafka", defaultValue = "${env:FLYWHEEL_KAFKA_BOOTSTRAP}", required = true,
                description = "Kafka bootstrap servers holding model-health (env FLYWHEEL_KAFKA_BOOTSTRAP).")
        String kafka;
        @Option(names = "--margin", defaultValue = "0.002",
                description = "Log loss a challenger may be worse by and still be promoted as no worse (default ${DEFAULT-VALUE}).")
        double margin;
        @Option(names = "--min-labelled", defaultValue = "2000",
                description = "Outcomes per arm before promoting a challenger shown no worse (default ${DEFAULT-VALUE}).")
        long minLabelled;
        @Option(names = "--metrics-port", description = "Serve Prometheus metrics on this port (0 picks a free one).")
        Integer metricsPort;

        @Override
        public Integer call() throws InterruptedException, IOException {
            ReleasePolicy policy = new ReleasePolicy(margin, ReleasePolicy.defaults().z(), minLabelled);
            ReleaseController controller = new ReleaseController(ReleaseController.Registry.of(connection.client()),
                    policy, kafka, Topics.MODEL_HEALTH, "flywheel-release-controller",
                    decision -> System.out.println(decision.action() + " " + decision.model() + " v" + decision.challenger()
                            + ": " + decision.reason()));
            HardenedHttpServer metrics =
                    metricsPort == null ? null : controller.metrics().serve(metricsPort);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                controller.close();
                if (metrics != null) {
                    metrics.close();
                }
                stopped.countDown();
            }));
            controller.start();
            if (metrics != null) {
                System.out.println("metrics on http://localhost:" + metrics.port() + "/metrics");
            }
            System.out.println("release controller on " + Topics.MODEL_HEALTH + " at " + kafka + ", registry "
                    + connection.url);
            stopped.await();
            return 0;
        }
    }

    @Command(name = "aliases", description = "Set champion, challenger, shadow and the traffic split in one change.")
    static final class Aliases implements Callable<Integer> {
        @CommandLine.Mixin
        Connection connection = new Connection();
        @Parameters(index = "0", paramLabel = "MODEL")
        String model;
        @Option(names = "--champion", required = true)
        int champion;
        @Option(names = "--challenger", defaultValue = "0")
        int challenger;
        @Option(names = "--challenger-share", defaultValue = "0")
        double challengerShare;
        @Option(names = "--shadow", defaultValue = "0")
        int shadow;
        @Option(names = "--shadow-share", defaultValue = "0")
        double shadowShare;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            ServingConfig config = connection.client().setAliases(model,
                    new AliasUpdate(champion, challenger, shadow, challengerShare, shadowShare));
            spec.commandLine().getOut().println(describe(config));
            return 0;
        }
    }

    @Command(name = "archive", description = "Retire a version that holds no alias.")
    static final class Archive implements Callable<Integer> {
        @CommandLine.Mixin
        Connection connection = new Connection();
        @Parameters(index = "0", paramLabel = "MODEL")
        String model;
        @Parameters(index = "1", paramLabel = "VERSION")
        int version;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            ModelVersion archived = connection.client().archive(model, version);
            spec.commandLine().getOut().println(archived.name() + "/" + archived.version() + " " + archived.status());
            return 0;
        }
    }

    static String describe(ServingConfig config) {
        StringBuilder line = new StringBuilder(config.model()).append(" revision ").append(config.revision()).append(':');
        for (ServingVariant v : config.variants()) {
            line.append(' ').append(v.role()).append('=').append(v.version())
                    .append(String.format(" (%.3f)", v.trafficShare()));
        }
        return line.toString();
    }
}
