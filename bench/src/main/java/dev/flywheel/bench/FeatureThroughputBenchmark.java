package dev.flywheel.bench;

import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.features.UserState;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.features.FeatureTypes;
import dev.flywheel.jobs.scoring.ScoringConfig;
import dev.flywheel.jobs.scoring.ScoringJob;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatorConfig;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * What the feature stage costs, in one run: the same Kafka topic of simulated events is read by a
 * Kafka-to-Kafka passthrough job and by the scoring job's feature stage, both bounded, both at the
 * same parallelism on a MiniCluster in this JVM, for each parallelism asked for; then the feature
 * state of a population of users is sized with the serializer Flink checkpoints it with.
 *
 * <p>Why more than one parallelism: the ratio measures different things. At parallelism 1 each
 * job has one chain per stage, the passthrough a single thread and the feature job three (source,
 * item stage, user stage), so on a machine with spare cores the feature job can keep up with a
 * passthrough. Once both jobs have enough threads to fill every core, the ratio is their CPU cost
 * per event, and the feature job's parsing, two shuffles and state cost several times a byte copy.
 *
 * <pre>
 * scripts/bench-features.sh [--events 3000000] [--users 1000000] [--parallelism 1,2] [--state-backend hashmap]
 * </pre>
 *
 * Throughput is events over the job's net runtime (scheduling to finish, so start-up counts for
 * both jobs alike). Both jobs run once to warm up before anything is measured: a cold run spends
 * much of its time compiling (the JIT took about 0.4 of the 2 cores throughout a cold feature job),
 * which a job that runs for days pays once. Bytes per user are the serialized {@link UserState}
 * (what a checkpoint or RocksDB holds, without the key and backend overhead) after an offline
 * replay with the job's feature code until {@code --users} users of a population twice that size
 * have state, or {@code --state-events} events were read.
 */
public final class FeatureThroughputBenchmark {
    private static final int PARTITIONS = BenchJobs.PARTITIONS;

    private FeatureThroughputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        int events = Integer.parseInt(options.getOrDefault("events", "3000000"));
        int users = Integer.parseInt(options.getOrDefault("users", "1000000"));
        long stateEvents = Long.parseLong(options.getOrDefault("state-events", "20000000"));
        List<Integer> parallelisms = Arrays.stream(options.getOrDefault("parallelism", "1,2").split(","))
                .map(String::trim).map(Integer::parseInt).toList();
        String stateBackend = options.getOrDefault("state-backend", "hashmap");
        long seed = Long.parseLong(options.getOrDefault("seed", "42"));
        SimulatorConfig simulation = SimulatorConfig.defaults(seed).withUsers(users);

        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            for (String topic : new String[] {"bench.clickstream", "bench.passthrough"}) {
                kafka.createTopic(topic, PARTITIONS);
            }
            long produceStart = System.nanoTime();
            BenchJobs.produce(kafka.bootstrapServers(), "bench.clickstream", new ShopSimulator(simulation), events);
            System.out.printf("produced %,d simulated events (%,d users in the population) to %d partitions in %.1f s%n",
                    events, users, PARTITIONS, seconds(System.nanoTime() - produceStart));

            runPassthrough(kafka, parallelisms.get(0), "warm-up", false);
            runPassthrough(kafka, parallelisms.get(0), "warm-up", true);
            runFeatures(kafka, parallelisms.get(0), stateBackend, "warm-up");
            System.out.printf("%-11s  %-8s  %16s  %16s  %16s  %14s  %14s%n", "parallelism", "state",
                    "passthrough/s", "2-shuffle pass/s", "feature job/s", "ratio to pass", "to 2-shuffle");
            for (int parallelism : parallelisms) {
                String label = "p" + parallelism;
                double passthrough = events / runPassthrough(kafka, parallelism, label, false);
                double shuffled = events / runPassthrough(kafka, parallelism, label, true);
                double features = events / runFeatures(kafka, parallelism, stateBackend, label);
                long vectors = kafka.count("bench.features." + label);
                if (vectors != events) {
                    throw new IllegalStateException("the feature job wrote " + vectors + " vectors for " + events + " events");
                }
                System.out.printf("%-11d  %-8s  %,16.0f  %,16.0f  %,16.0f  %14.2f  %14.2f%n", parallelism, stateBackend,
                        passthrough, shuffled, features, features / passthrough, features / shuffled);
            }
            System.out.println("(events/s over each job's net runtime; ratio target >= 0.75; every feature run wrote"
                    + " one vector per event)");
        }
        // Rarely active shoppers take very long to show up: a population twice the size reaches
        // the wanted number of users with state in a few million events.
        sizeUserState(simulation.withUsers(2 * users), users, stateEvents);
    }

    /** The passthrough of {@link BenchJobs#passthrough}, its net runtime in seconds. */
    private static double runPassthrough(EmbeddedKafka kafka, int parallelism, String label, boolean shuffled)
            throws Exception {
        String group = "bench-passthrough-" + label + (shuffled ? "-shuffled" : "");
        StreamExecutionEnvironment env = BenchJobs.passthrough(kafka, "bench.clickstream", "bench.passthrough",
                parallelism, group, shuffled, BenchJobs.configuration("hashmap"));
        JobExecutionResult result = env.execute(group);
        return result.getNetRuntime(TimeUnit.MILLISECONDS) / 1000.0;
    }

    /** Runs the scoring job's feature stage over the whole clickstream, into topics of its own. */
    private static double runFeatures(EmbeddedKafka kafka, int parallelism, String stateBackend, String label)
            throws Exception {
        for (String topic : new String[] {"bench.features.", "bench.dlq.", "bench.late.", "bench.decisions.",
                "bench.outcomes.", "bench.model-updates."}) {
            kafka.createTopic(topic + label, PARTITIONS);
        }
        Map<String, String> args = new HashMap<>(Map.of(
                "bootstrap", kafka.bootstrapServers(),
                "group-id", "bench-features-" + label,
                "starting-offsets", "earliest",
                "bounded", "true",
                "parallelism", Integer.toString(parallelism),
                "clickstream-topic", "bench.clickstream",
                "features-topic", "bench.features." + label,
                "dlq-topic", "bench.dlq." + label,
                "late-topic", "bench.late." + label));
        // The scoring job also reads serving configs; an empty topic of its own serves no model,
        // so the job runs its feature stages only.
        args.put("model-updates-topic", "bench.model-updates." + label);
        args.put("decisions-topic", "bench.decisions." + label);
        args.put("outcomes-topic", "bench.outcomes." + label);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(BenchJobs.configuration(stateBackend));
        ScoringJob.onKafka(ScoringConfig.from(JobArgs.of(args))).build(env);
        JobExecutionResult result = env.execute("bench-features-" + label);
        return result.getNetRuntime(TimeUnit.MILLISECONDS) / 1000.0;
    }

    /** Replays simulated events through the feature code until {@code users} users have state, then sizes it. */
    private static void sizeUserState(SimulatorConfig simulation, int users, long maxEvents) throws Exception {
        long start = System.nanoTime();
        OfflineFeatureReplay replay = new OfflineFeatureReplay(FeatureSettings.defaults());
        ShopSimulator simulator = new ShopSimulator(simulation);
        long replayed = 0;
        while (replay.users() < users && replayed < maxEvents) {
            replay.apply(simulator.next().event());
            replayed++;
        }
        TypeSerializer<UserState> serializer = FeatureTypes.USER_STATE.createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(4096);
        long[] totals = new long[2]; // bytes, largest
        replay.forEachUser((user, state) -> {
            out.clear();
            try {
                serializer.serialize(state, out);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            totals[0] += out.length();
            totals[1] = Math.max(totals[1], out.length());
        });
        System.out.printf("user state: %,d users with state (population %,d) after %,d events (%.0f s): %.0f bytes"
                        + " per user on average, largest %,d bytes (serialized UserState, target <= 1024)%n",
                replay.users(), simulation.users(), replayed, seconds(System.nanoTime() - start),
                (double) totals[0] / replay.users(), totals[1]);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", args));
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }
}
