package dev.flywheel.jobs.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flywheel.embedded.EmbeddedKafkaExtension;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.jobs.features.FeatureHarness;
import dev.flywheel.simulator.ReplayRecord;
import dev.flywheel.simulator.TaobaoReplay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bootstrap is only worth having if a job started from it computes what a job that streamed the
 * whole history computes. Both run for real here (broker, MiniCluster at parallelism 2, the job's
 * own connectors): (a) bootstrap on the first 80% of a stream, then the scoring job restored from
 * that savepoint streams the last 20%; (b) the job streams 100% from empty state. Every event of
 * the last 20% and one probe per user after it (a search, whose vector shows the user's whole
 * state) must get the same user and session features in both, to 1e-9 relative: every user is
 * compared. Likewise one probe view per item after the end must get the same item features: every
 * item of the simulated shop, 10,000 of the Taobao sample's. An item feature of an event inside the stream reads the other users' events
 * that reached the item before it, an arrival order two runs at parallelism 2 do not share; those
 * differences are reported, not asserted (ScoringJobKafkaTest measures the same against the
 * offline replay).
 */
class BootstrapConsistencyKafkaTest {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    private static final double RELATIVE_TOLERANCE = 1e-9;
    private static final int PARALLELISM = 2;

    @Test
    void bootstrapPlusStreamingEqualsStreamingEverythingOnSimulatedShop() throws Exception {
        List<ShopperEvent> events = FeatureHarness.simulatedEvents(11, 2_000, 40_000);
        int cut = events.size() * 8 / 10;
        Path dir = Files.createTempDirectory("flywheel-bootstrap");
        Path history = StateStack.jsonLines(events.subList(0, cut), dir.resolve("history.jsonl"));
        compare("simulated", events, cut, history, Integer.MAX_VALUE);
    }

    @Test
    void bootstrapPlusStreamingEqualsStreamingEverythingOnTaobaoSample() throws Exception {
        Path sample = StateStack.taobaoSample();
        assumeTrue(sample != null, "Taobao sample not found (../shared/data/taobao-user-behavior-110k.csv): skipped");
        List<ShopperEvent> events = new ArrayList<>();
        try (TaobaoReplay replay = TaobaoReplay.open(sample)) {
            replay.forEachRemaining(record -> {
                if (record instanceof ReplayRecord.Mapped mapped) {
                    events.add(mapped.event());
                }
            });
        }
        int cut = events.size() * 8 / 10;
        // The bootstrap reads the CSV itself, through the same adapter: the first 80% of its lines,
        // which keep their row numbers (event ids) and sessions.
        List<String> lines = Files.readAllLines(sample);
        Path dir = Files.createTempDirectory("flywheel-bootstrap");
        Path history = Files.write(dir.resolve("history.csv"), lines.subList(0, cut));
        // Every user, but not all of its 84,793 items: 10,000 item probes keep the test near a minute.
        compare("taobao", events, cut, history, 10_000);
    }

    private void compare(String name, List<ShopperEvent> events, int cut, Path history, int itemProbeLimit)
            throws Exception {
        long end = events.stream().mapToLong(ShopperEvent::ts).max().orElseThrow() + 60_000;
        List<ShopperEvent> probes = StateStack.probes(events, end);
        List<ShopperEvent> itemProbes = StateStack.itemProbes(events, end + 60_000).stream().limit(itemProbeLimit)
                .toList();
        List<ShopperEvent> last = new ArrayList<>(events.subList(cut, events.size()));
        last.addAll(probes);
        last.addAll(itemProbes);
        Set<String> itemProbeIds = new HashSet<>();
        itemProbes.forEach(probe -> itemProbeIds.add(probe.eventId()));

        Path savepoint = Files.createTempDirectory("flywheel-savepoint").resolve("bootstrap");
        BootstrapJob.Summary summary = StateStack.bootstrap(savepoint, PARALLELISM, history);
        assertThat(summary.events()).isEqualTo(cut);
        // What the bootstrapped savepoint must have warmed: events of the last 20% whose user came before.
        Set<String> seen = new HashSet<>();
        long returning = 0;
        for (int i = 0; i < events.size(); i++) {
            if (!seen.add(events.get(i).userId()) && i >= cut) {
                returning++;
            }
        }
        assertThat(summary.rejected()).isZero();

        List<ShopperEvent> allProbes = new ArrayList<>(probes);
        allProbes.addAll(itemProbes);
        Map<String, FeatureVector> afterBootstrap = stream(name + "-warm", savepoint, events.subList(cut, events.size()),
                allProbes);
        Map<String, FeatureVector> streamed = stream(name + "-cold", null, events, allProbes);
        long missing = 0;
        long userDiffering = 0;
        long itemDiffering = 0;
        long itemProbesDiffering = 0;
        double largestItem = 0;
        Set<String> usersCompared = new HashSet<>();
        List<String> examples = new ArrayList<>();
        for (ShopperEvent event : last) {
            FeatureVector a = afterBootstrap.get(event.eventId());
            FeatureVector b = streamed.get(event.eventId());
            if (a == null || b == null) {
                missing++;
                continue;
            }
            if (itemProbeIds.contains(event.eventId())) {
                if (!itemsAgree(a.values(), b.values())) {
                    itemProbesDiffering++;
                    if (examples.size() < 6) {
                        examples.add(describe(event, a, b, FeatureHarness.ITEM));
                    }
                }
                continue;
            }
            usersCompared.add(event.userId());
            if (!FeatureHarness.agree(a.values(), b.values(), FeatureHarness.USER_AND_SESSION, RELATIVE_TOLERANCE)) {
                userDiffering++;
                if (examples.size() < 3) {
                    examples.add(describe(event, a, b, FeatureHarness.USER_AND_SESSION));
                }
            }
            if (!FeatureHarness.agree(a.values(), b.values(), FeatureHarness.ITEM, RELATIVE_TOLERANCE)) {
                itemDiffering++;
                largestItem = Math.max(largestItem,
                        FeatureHarness.largestDifference(a.values(), b.values(), FeatureHarness.ITEM));
            }
        }
        // A job that ignored the savepoint would see the returning users as new: count them.
        long warmFirstSight = last.stream().limit(events.size() - cut)
                .filter(event -> afterBootstrap.containsKey(event.eventId())
                        && afterBootstrap.get(event.eventId()).value("secs_since_last_event") >= 0).count();
        System.out.printf("bootstrap consistency (%s): %d events, bootstrap %d events in %d ms"
                        + " (%.0f events/s); compared %d vectors of the last 20%% + probes, %d users; missing %d;"
                        + " user and session features differing beyond %.0e relative: %d; item probes (%d items)"
                        + " differing: %d; item features of events inside the stream differing (arrival order): %d"
                        + " (largest %.3g); %d of %d returning users' events warm%n",
                name, events.size(), summary.events(), summary.millis(),
                summary.eventsPerSecond(), last.size() - missing, usersCompared.size(), missing, RELATIVE_TOLERANCE,
                userDiffering, itemProbes.size(), itemProbesDiffering, itemDiffering, largestItem, warmFirstSight,
                returning);
        examples.forEach(System.out::println);

        assertThat(missing).isZero();
        assertThat(usersCompared).hasSize(probes.size());
        assertThat(userDiffering).isZero();
        assertThat(itemProbesDiffering).isZero();
        assertThat(warmFirstSight).isEqualTo(returning).isPositive();
    }

    /**
     * Streams {@code events}, then, once every one has its vector, the probes: a probe must see
     * the state after all events, and events of other users reach an item through other partitions.
     */
    private static Map<String, FeatureVector> stream(String name, Path savepoint, List<ShopperEvent> events,
            List<ShopperEvent> probes) throws Exception {
        StateStack.Topics topics = StateStack.Topics.create(KAFKA.kafka(), name);
        JobClient job = StateStack.startScoring(KAFKA.kafka(), topics, savepoint, PARALLELISM, "hashmap", Map.of());
        try {
            StateStack.produce(KAFKA.kafka(), topics.clickstream(), events);
            StateStack.awaitVectors(KAFKA.kafka(), topics, job, events);
            StateStack.produce(KAFKA.kafka(), topics.clickstream(), probes);
            return StateStack.awaitVectors(KAFKA.kafka(), topics, job, probes);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * To 1e-9 relative, with a scale of at least 1: item_price_vs_peers is ln(price) minus a mean of
     * logs, both of order 1, and summing the peers in another order leaves 1e-16 where it is 0.
     */
    private static boolean itemsAgree(double[] a, double[] b) {
        for (int i : FeatureHarness.ITEM) {
            if (Math.abs(a[i] - b[i]) > RELATIVE_TOLERANCE * Math.max(1, Math.max(Math.abs(a[i]), Math.abs(b[i])))) {
                return false;
            }
        }
        return true;
    }

    private static String describe(ShopperEvent event, FeatureVector a, FeatureVector b, int[] positions) {
        StringBuilder text = new StringBuilder(event.eventId() + " of " + event.userId() + ":");
        for (int i : positions) {
            if (Math.abs(a.values()[i] - b.values()[i]) > RELATIVE_TOLERANCE
                    * Math.max(Math.abs(a.values()[i]), Math.abs(b.values()[i]))) {
                text.append(' ').append(FeatureSpec.current().names().get(i)).append(' ')
                        .append(a.values()[i]).append(" vs ").append(b.values()[i]);
            }
        }
        return text.toString();
    }
}
