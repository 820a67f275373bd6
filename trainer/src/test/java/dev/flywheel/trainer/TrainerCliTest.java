package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.features.FeatureSpec;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelJson;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.client.RegistryClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrainerCliTest {
    private static final String EDITOR_TOKEN = "trainer-test-editor-token-0123456789";
    private static final String READER_TOKEN = "trainer-test-reader-token-0123456789";

    @TempDir
    Path temp;

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "train --events 10 --out x                           | --events must be at least 1000, was 10",
        "train --holdout-fraction 1.5 --out x                | --holdout-fraction must be between 0 and 1",
        "train --model-name Bad.Name --out x                 | --model-name must match",
        "train --epochs 0 --out x                            | epochs and minibatch must be >= 1",
        "train --out x --registry http://localhost:1 --token '' | --registry needs --token",
        "train --out x --registry localhost:1 --token t      | --registry must be an http:// or https:// URL",
        "train --events many --out x                         | Invalid value for option '--events'",
        "train --bogus --out x                               | Unknown option: '--bogus'",
        "train --from 2026-01-01T00:00:00Z --out x           | --from and --until select outcomes: they need --bootstrap",
        "train --bootstrap b:9092 --from 2026-01-02T00:00:00Z --until 2026-01-01T00:00:00Z --out x | --from must come before --until",
        "train --bootstrap b:9092 --from yesterday --out x   | Invalid value for option '--from'",
        "train                                               | Missing required option: '--out=DIR'",
        "''                                                  | missing command: train or worker",
        "worker --bootstrap b:9092 --registry http://r:1 --token t | Missing required option: '--pulsar=URL'",
        "worker --pulsar http://p:6650 --bootstrap b:9092 --registry http://r:1 --token t | --pulsar must be a pulsar:// or pulsar+ssl:// URL",
        "worker --pulsar pulsar://p:6650 --bootstrap b:9092 --registry r:1 --token t | --registry must be an http:// or https:// URL",
        "worker --pulsar pulsar://p:6650 --bootstrap b:9092 --registry http://r:1 --token '' | the worker needs --token",
        "worker --pulsar pulsar://p:6650 --bootstrap b:9092 --registry http://r:1 --token t --canary-share 0 | --canary-share must be in (0, 1]",
        "worker --pulsar pulsar://p:6650 --bootstrap b:9092 --registry http://r:1 --token t --auc-margin -0.1 | the AUC margin must be in [0, 1)",
        "worker --pulsar pulsar://p:6650 --bootstrap b:9092 --registry http://r:1 --token t --max-redeliveries 0 | --max-redeliveries must be at least 1",
        "worker --pulsar pulsar://p:6650 --bootstrap b:9092 --registry http://r:1 --token t --backoff-min 5x | --backoff-min must be a number with ms, s, min or h",
        "worker --pulsar pulsar://p:6650 --bootstrap b:9092 --registry http://r:1 --token t --backoff-min 1min --backoff-max 1s | --backoff-max must be at least --backoff-min",
        "worker --pulsar pulsar://p:6650 --bootstrap b:9092 --registry http://r:1 --token t --min-holdout-rows 0 | the minimum holdout must be at least 1 row",
        "worker --pulsar pulsar://p:6650 --bootstrap b:9092 --registry http://r:1 --token t --epochs 0 | epochs and minibatch must be >= 1",
    })
    void badArgumentsPrintOneLineAndExitWithUsageStatus(String args, String message) {
        StringWriter err = new StringWriter();
        String[] argv = args.isBlank() ? new String[0] : args.trim().split("\\s+");
        for (int i = 0; i < argv.length; i++) {
            argv[i] = argv[i].equals("''") ? "" : argv[i];
        }
        int exit = TrainerCli.execute(argv, new PrintWriter(new StringWriter()), new PrintWriter(err, true));

        assertThat(exit).isEqualTo(TrainerCli.EXIT_USAGE);
        assertThat(err.toString()).startsWith("flywheel-trainer: ").contains(message);
        assertThat(err.toString().strip().lines()).hasSize(1);
    }

    @Test
    void aWorkerThatCannotReachTheRegistryStopsWithOneLine() {
        StringWriter err = new StringWriter();
        int exit = TrainerCli.execute(new String[] {"worker", "--pulsar", "pulsar://127.0.0.1:1", "--bootstrap",
                "127.0.0.1:1", "--registry", "http://127.0.0.1:1", "--token", "t"},
                new PrintWriter(new StringWriter()), new PrintWriter(err, true));

        assertThat(exit).isEqualTo(TrainerCli.EXIT_FAILURE);
        assertThat(err.toString()).startsWith("flywheel-trainer: the registry at http://127.0.0.1:1 answered UNREACHABLE");
        assertThat(err.toString().strip().lines()).hasSize(1);
    }

    @Test
    void trainsWritesTheArtifactsAndRegistersAVersionTheRegistryAccepts() throws Exception {
        RegistryService.Config config = RegistryService.Config.local(temp.resolve("store"))
                .withTokens(EDITOR_TOKEN, READER_TOKEN, true);
        Path out = temp.resolve("run");
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        try (RegistryService registry = RegistryService.start(config)) {
            int exit = TrainerCli.execute(new String[] {"train", "--seed", "7", "--events", "100000",
                    "--holdout-fraction", "0.4", "--out", out.toString(), "--registry", registry.url(),
                    "--token", EDITOR_TOKEN, "--metrics-port", "0"},
                    new PrintWriter(stdout, true), new PrintWriter(stderr, true));

            assertThat(exit).as(stderr.toString()).isZero();
            ModelDescriptor written = ModelJson.descriptor(Files.readAllBytes(out.resolve(TrainingArtifacts.DESCRIPTOR_FILE)));
            assertThat(written.inputs()).isEqualTo(FeatureSpec.current().names());
            assertThat(written.createdBy()).contains("seed=7", "feature-spec=v" + FeatureSpec.current().version());
            assertThat(Files.size(out.resolve(TrainingArtifacts.MODEL_FILE))).isPositive();
            assertThat(Files.readString(out.resolve(TrainingArtifacts.REPORT_FILE))).contains("\"calibration\"", "\"feature_histograms\"");

            List<ModelVersion> versions = new RegistryClient(URI.create(registry.url()), READER_TOKEN).versions("purchase-propensity");
            assertThat(versions).hasSize(1);
            assertThat(versions.get(0).status()).as(versions.get(0).reason() + " " + versions.get(0).detail())
                    .isEqualTo(ModelStatus.READY);
            assertThat(versions.get(0).descriptor().sha256()).isEqualTo(written.sha256());
        }
        assertThat(stdout.toString()).contains("metrics on http://localhost:", "AUC ", "best achievable",
                "registered purchase-propensity version 1");
    }
}
