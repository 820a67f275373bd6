package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.EventCodec;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelJson;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import java.nio.charset.StandardCharsets;
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
        "train --model forest --out x                        | --model must be boosted-trees or logistic, was forest",
        "train --model logistic --trees 10 --out x           | --trees and --leaves are options of --model boosted-trees",
        "train --trees 0 --out x                             | --trees must be at least 1",
        "train --label-window 0 --out x                      | --label-window must be positive",
        "train --label-window soon --out x                   | Invalid value for option '--label-window'",
        "train --purge 5x --out x                            | Invalid value for option '--purge'",
        "train --min-holdout-rows 0 --out x                  | --min-train-rows and --min-holdout-rows must be at least 1",
        "train --bootstrap b:9092 --events-file f.jsonl --out x | --bootstrap and --events-file are two sources: give one",
        "train --events-file /no/such/events.jsonl --out x   | --events-file /no/such/events.jsonl is not a readable file",
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

    /**
     * A short export, as a shop would first try: about half an hour of traffic. The default 30-minute
     * label window censors the last half hour and purges the one before the cut, which is all of it;
     * the command says so in one line, with the sizes and what to change, and a 5-minute window works.
     */
    @Test
    void trainsOnAShopsOwnEventFileWithALabelWindowThatFitsIt() throws Exception {
        Path file = temp.resolve("export.jsonl");
        EventCodec codec = new EventCodec();
        try (var writer = Files.newOutputStream(file)) {
            for (SimulatedEvent event : new ShopSimulator(SimulatorConfig.defaults(3)).take(20_000)) {
                writer.write(codec.encode(event.event()));
                writer.write('\n');
            }
            writer.write("not json\n".getBytes(StandardCharsets.UTF_8));
        }

        StringWriter err = new StringWriter();
        int refused = TrainerCli.execute(new String[] {"train", "--events-file", file.toString(), "--out",
                temp.resolve("refused").toString()}, new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertThat(refused).isEqualTo(TrainerCli.EXIT_FAILURE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).startsWith("flywheel-trainer: too little data: the split leaves ")
                .contains("and 0 holdout rows", "of 20,000 events over 33m20s", "30m purge", "shorten --label-window");

        StringWriter out = new StringWriter();
        err = new StringWriter();
        Path model = temp.resolve("model");
        int exit = TrainerCli.execute(new String[] {"train", "--events-file", file.toString(), "--label-window", "5m",
                "--out", model.toString()}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("20,001 lines: 20,000 events", "1 rejected {malformed_json=1}",
                "purchases within 5m", "label window 5m, purge 5m", "best single feature on the holdout");
        ModelDescriptor written = ModelJson.descriptor(Files.readAllBytes(model.resolve(TrainingArtifacts.DESCRIPTOR_FILE)));
        assertThat(written.output().meaning()).isEqualTo("P(purchase by this user within 5 minutes of the event)");
        assertThat(written.createdBy()).contains("events-file=export.jsonl", "label-window=5m", "model=boosted-trees");
        assertThat(written.metrics()).containsKeys("auc", "best_single_feature_auc").doesNotContainKey("best_achievable_auc");
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
