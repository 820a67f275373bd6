package dev.flywheel.jobs.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.embedded.EmbeddedKafkaExtension;
import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.features.UserState;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.features.FeatureHarness;
import dev.flywheel.jobs.features.UserFeatureStage;
import dev.flywheel.jobs.features.UserFeatures;
import dev.flywheel.jobs.scoring.ScoringConfig;
import dev.flywheel.jobs.scoring.ScoringJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A savepoint's life: taken from the running scoring job, exported, and restored into an upgraded
 * job at another parallelism, on a real broker and MiniCluster, never with allowNonRestoredState.
 */
class SavepointLifecycleKafkaTest {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    private static final double RELATIVE_TOLERANCE = 1e-9;
    private static final FeatureSettings SETTINGS = FeatureSettings.defaults();

    @Test
    void exportHasARowPerUserAndItemEqualToWhatTheJobComputed() throws Exception {
        List<ShopperEvent> events = FeatureHarness.simulatedEvents(5, 1_000, 20_000);
        StateStack.Topics topics = StateStack.Topics.create(KAFKA.kafka(), "export");
        Path savepoint;
        Map<String, FeatureVector> vectors;
        JobClient job = StateStack.startScoring(KAFKA.kafka(), topics, null, 2, "rocksdb", Map.of());
        try {
            StateStack.produce(KAFKA.kafka(), topics.clickstream(), events);
            vectors = StateStack.awaitVectors(KAFKA.kafka(), topics, job, events);
            savepoint = stopWithSavepoint(job);
        } catch (Throwable failure) {
            job.cancel();
            throw failure;
        }

        Path output = Files.createTempDirectory("flywheel-export");
        assertThat(cli(ExportJob::run, "--savepoint", savepoint.toString(), "--output", output.toString()).code)
                .isZero();
        Map<String, String[]> users = rows(output.resolve("users.csv"), FeatureRows.USER_COLUMNS);
        Map<String, String[]> items = rows(output.resolve("items.csv"), FeatureRows.ITEM_COLUMNS);
        long distinctUsers = events.stream().map(ShopperEvent::userId).distinct().count();
        long distinctItems = events.stream().filter(e -> e instanceof ShopperEvent.ItemEvent)
                .map(e -> ((ShopperEvent.ItemEvent) e).itemId()).distinct().count();
        Properties manifest = new Properties();
        try (var in = Files.newBufferedReader(output.resolve("export.properties"))) {
            manifest.load(in);
        }

        // The users whose last event is within a session gap of the end: no wake-up can have closed
        // their session, so their row must be what the vector of their last event carried.
        Map<String, ShopperEvent> lastEvent = new LinkedHashMap<>();
        events.forEach(event -> lastEvent.put(event.userId(), event));
        long end = events.get(events.size() - 1).ts();
        List<ShopperEvent> sampled = lastEvent.values().stream()
                .filter(event -> end - event.ts() < FeatureSpec.SESSION_GAP.toMillis()).limit(100).toList();
        long differing = 0;
        for (ShopperEvent event : sampled) {
            String[] row = users.get(event.userId());
            double[] vector = vectors.get(event.eventId()).values();
            assertThat(Long.parseLong(row[1])).isEqualTo(event.ts());
            for (int c = 0; c < UserState.HELD_FEATURES.size(); c++) {
                double exported = Double.parseDouble(row[4 + c]);
                double computed = vector[FeatureSpec.current().indexOf(UserState.HELD_FEATURES.get(c))];
                if (Math.abs(exported - computed) > RELATIVE_TOLERANCE * Math.max(Math.abs(exported),
                        Math.abs(computed))) {
                    differing++;
                }
            }
        }
        System.out.printf("export: %d users (%d in the events), %d items (%d), %d sampled users compared with the"
                        + " vector of their last event, %d values differing%n", users.size(), distinctUsers,
                items.size(), distinctItems, sampled.size(), differing);
        assertThat(users).hasSize((int) distinctUsers);
        assertThat(items).hasSize((int) distinctItems);
        assertThat(manifest.getProperty("feature_spec_version")).isEqualTo(
                Integer.toString(FeatureSpec.current().version()));
        assertThat(manifest.getProperty("users")).isEqualTo(Long.toString(distinctUsers));
        assertThat(sampled).hasSizeGreaterThan(20);
        assertThat(differing).isZero();
        // The comparison means something only if the rows vary.
        assertThat(sampled.stream().map(e -> users.get(e.userId())[4 + UserState.HELD_FEATURES.indexOf(
                "session_events")]).distinct().count()).isGreaterThan(2);
    }

    @Test
    void exportRefusesWhatIsNoScoringSavepointInOneLine() throws Exception {
        Path missing = Files.createTempDirectory("flywheel-nothing").resolve("nope");
        Outcome absent = cli(ExportJob::run, "--savepoint", missing.toString(), "--output", "/tmp/x");
        assertThat(absent.code).isEqualTo(2);
        assertThat(absent.err).startsWith("flywheel-export: --savepoint: no savepoint").hasLineCount(1);

        Path notOne = Files.createTempDirectory("flywheel-empty");
        Outcome empty = cli(ExportJob::run, "--savepoint", notOne.toString(), "--output", "/tmp/x");
        assertThat(empty.code).isEqualTo(2);
        assertThat(empty.err).contains("has no _metadata").hasLineCount(1);

        // A real savepoint, of a job without the scoring job's operators.
        Path other = Files.createTempDirectory("flywheel-other").resolve("savepoint");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        org.apache.flink.state.api.SavepointWriter.newSavepoint(env, 128)
                .withOperator(org.apache.flink.state.api.OperatorIdentifier.forUid("minute-partials"),
                        org.apache.flink.state.api.OperatorTransformation.bootstrapWith(env.fromData(1L, 2L))
                                .keyBy(n -> n, Types.LONG)
                                .transform(new KeepNumber()))
                .write(other.toUri().toString());
        env.execute("other savepoint");
        Outcome incompatible = cli(ExportJob::run, "--savepoint", other.toString(), "--output",
                Files.createTempDirectory("flywheel-export").toString());
        assertThat(incompatible.code).isEqualTo(1);
        assertThat(incompatible.err).contains("has no state of operator 'user-features'").hasLineCount(1);

        Outcome bootstrapArgs = cli(BootstrapJob::run, "--savepoint", "/tmp/y");
        assertThat(bootstrapArgs.code).isEqualTo(2);
        assertThat(bootstrapArgs.err).startsWith("flywheel-bootstrap: --input is required").hasLineCount(1);
    }

    /**
     * 100,000 users in state, through a savepoint of the running job at parallelism 2, into a
     * version of the job whose user stage keeps one more feature field at parallelism 4.
     */
    @Test
    void upgradeWithAnAddedFeatureFieldAndRescaleKeepsEveryUser() throws Exception {
        int userCount = 100_000;
        List<ShopperEvent> history = manyUsers(userCount);
        Path dir = Files.createTempDirectory("flywheel-upgrade");
        Path bootstrapped = dir.resolve("bootstrap");
        StateStack.bootstrap(bootstrapped, 2, StateStack.jsonLines(history, dir.resolve("history.jsonl")));

        // The current job, restored from the bootstrap, streams a little more and is stopped with a savepoint.
        long t = history.get(history.size() - 1).ts();
        List<ShopperEvent> more = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            String user = "u" + (i * 37 % userCount);
            more.add(new ShopperEvent.Click(new EventHeader("more-" + i, t + 1_000 + i * 10L, user, user + "-s"),
                    "item-" + (i % 500), "c" + (i % 7), 20.0 + i % 13, "r-" + i));
        }
        StateStack.Topics before = StateStack.Topics.create(KAFKA.kafka(), "upgrade-before");
        JobClient current = StateStack.startScoring(KAFKA.kafka(), before, bootstrapped, 2, "hashmap", Map.of());
        Path taken;
        try {
            StateStack.produce(KAFKA.kafka(), before.clickstream(), more);
            StateStack.awaitVectors(KAFKA.kafka(), before, current, more);
            taken = stopWithSavepoint(current);
        } catch (Throwable failure) {
            current.cancel();
            throw failure;
        }

        // The upgraded job at parallelism 4, with one feature field more in its user stage.
        StateStack.Topics after = StateStack.Topics.create(KAFKA.kafka(), "upgrade-after");
        StreamExecutionEnvironment env = StateStack.scoringEnvironment(taken, "hashmap");
        ScoringJob.onKafka(ScoringConfig.from(JobArgs.of(StateStack.scoringArgs(KAFKA.kafka(), after, 4, Map.of()))))
                .withUserStage(UserStageWithAddedField::new).build(env);
        JobClient upgraded = env.executeAsync("scoring-upgraded");
        List<ShopperEvent> all = new ArrayList<>(history);
        all.addAll(more);
        Random random = new Random(3);
        List<ShopperEvent> probes = new ArrayList<>();
        long probeTime = more.get(more.size() - 1).ts() + 60_000;
        for (int i = 0; i < 1_000; i++) {
            String user = "u" + random.nextInt(userCount);
            probes.add(new ShopperEvent.Search(new EventHeader("probe-" + i + "-" + user, probeTime + i, user,
                    "probe-" + i), "wireless charger", List.of(), "probe-" + i));
        }
        Map<String, FeatureVector> probed;
        Path upgradedSavepoint;
        try {
            StateStack.produce(KAFKA.kafka(), after.clickstream(), probes);
            probed = StateStack.awaitVectors(KAFKA.kafka(), after, upgraded, probes);
            upgradedSavepoint = stopWithSavepoint(upgraded);
        } catch (Throwable failure) {
            upgraded.cancel();
            throw failure;
        }

        // Every key restored: the upgraded job's own savepoint, exported, holds every user.
        Path exported = Files.createTempDirectory("flywheel-export");
        assertThat(cli(ExportJob::run, "--savepoint", upgradedSavepoint.toString(), "--output",
                exported.toString()).code).isZero();
        Map<String, String[]> users = rows(exported.resolve("users.csv"), FeatureRows.USER_COLUMNS);

        // The sampled users' features: what the upgraded job computed for the probes equals the
        // offline replay of their whole history plus the probe.
        List<ShopperEvent> replayed = new ArrayList<>(all);
        replayed.addAll(probes);
        Map<String, FeatureVector> expected = new HashMap<>();
        OfflineFeatureReplay.replay(replayed, SETTINGS).forEach(vector -> expected.put(vector.eventId(), vector));
        long differing = 0;
        for (ShopperEvent probe : probes) {
            if (!FeatureHarness.agree(probed.get(probe.eventId()).values(), expected.get(probe.eventId()).values(),
                    FeatureHarness.USER_AND_SESSION, RELATIVE_TOLERANCE)) {
                differing++;
            }
        }
        long warm = probes.stream().filter(p -> probed.get(p.eventId()).value("secs_since_last_event") > 0).count();
        System.out.printf("upgrade: %d users bootstrapped, savepoint of the job at parallelism 2 restored at 4 with an"
                        + " added feature field; %d users in the upgraded job's state; %d sampled users, %d differing"
                        + " from the offline replay, %d warm%n", userCount, users.size(), probes.size(), differing,
                warm);
        assertThat(users).hasSize(userCount);
        assertThat(differing).isZero();
        assertThat(warm).isEqualTo(probes.size());
    }

    /** Two events per user, a cart for every third, spread over about an hour. */
    private static List<ShopperEvent> manyUsers(int count) {
        long t0 = 1_767_225_600_000L;
        List<ShopperEvent> events = new ArrayList<>();
        for (int u = 0; u < count; u++) {
            String user = "u" + u;
            long ts = t0 + u * 20L;
            events.add(new ShopperEvent.View(new EventHeader(user + "-v", ts, user, user + "-s"), "item-" + (u % 2_000),
                    "c" + (u % 11), 10.0 + u % 50));
            if (u % 3 == 0) {
                events.add(new ShopperEvent.AddToCart(new EventHeader(user + "-c", ts + 1_800_000, user, user + "-s"),
                        "item-" + (u % 2_000), "c" + (u % 11), 10.0 + u % 50, 1));
            }
        }
        events.sort(OfflineFeatureReplay.EVENT_ORDER);
        return events;
    }

    /**
     * The upgraded version's user stage: the same features and state, plus one field of its own
     * (the most a user ever paid for one item), which the savepoint does not have and which starts
     * empty for every restored user.
     */
    static final class UserStageWithAddedField
            extends KeyedProcessFunction<String, ShopperEvent, Tuple2<ShopperEvent, UserFeatures>> {
        private static final long serialVersionUID = 1L;
        private final FeatureSettings settings;
        private transient UserFeatureStage stage;
        private transient ValueState<Double> highestPrice;

        UserStageWithAddedField(FeatureSettings settings) {
            this.settings = settings;
        }

        @Override
        public void open(OpenContext context) {
            stage = new UserFeatureStage(settings, getRuntimeContext());
            highestPrice = getRuntimeContext().getState(new ValueStateDescriptor<>("highest-price", Types.DOUBLE));
        }

        @Override
        public void processElement(ShopperEvent event, Context ctx, Collector<Tuple2<ShopperEvent, UserFeatures>> out)
                throws Exception {
            out.collect(Tuple2.of(event, stage.apply(event, ctx.timerService()).features()));
            if (event instanceof ShopperEvent.ItemEvent item && item.price() != null) {
                highestPrice.update(Math.max(item.price(), highestPrice.value() == null ? 0 : highestPrice.value()));
            }
        }

        @Override
        public void onTimer(long timestamp, OnTimerContext ctx, Collector<Tuple2<ShopperEvent, UserFeatures>> out)
                throws Exception {
            if (stage.wakeUp(timestamp, ctx.timerService())) {
                highestPrice.clear();
            }
        }
    }

    /** Keyed state of a job that is not the scoring job. */
    private static final class KeepNumber
            extends org.apache.flink.state.api.functions.KeyedStateBootstrapFunction<Long, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public void processElement(Long value, Context ctx) throws Exception {
            getRuntimeContext().getState(new ValueStateDescriptor<>("n", Types.LONG)).update(value);
        }
    }

    private static Path stopWithSavepoint(JobClient job) throws Exception {
        Path dir = Files.createTempDirectory("flywheel-savepoints");
        return Path.of(java.net.URI.create(job.stopWithSavepoint(false, dir.toUri().toString(),
                SavepointFormatType.CANONICAL).get()));
    }

    private static Map<String, String[]> rows(Path csv, List<String> columns) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).isEqualTo(String.join(",", columns));
        Map<String, String[]> rows = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            assertThat(cells).hasSize(columns.size());
            assertThat(rows.put(cells[0], cells)).as("one row per key: %s", cells[0]).isNull();
        }
        return rows;
    }

    private record Outcome(int code, String out, String err) {
    }

    @FunctionalInterface
    private interface Cli {
        int run(String[] args, PrintStream out, PrintStream err) throws Exception;
    }

    private static Outcome cli(Cli cli, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8).strip());
    }
}
