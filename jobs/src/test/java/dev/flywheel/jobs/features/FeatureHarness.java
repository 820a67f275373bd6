package dev.flywheel.jobs.features;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureFamily;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/** Inputs and drivers shared by the feature stages' harness tests. */
public final class FeatureHarness {
    /** Positions of the user, session, recency and affinity features: everything but the item family. */
    public static final int[] USER_AND_SESSION = IntStream.range(0, FeatureSpec.current().size())
            .filter(i -> FeatureSpec.current().features().get(i).family() != FeatureFamily.ITEM).toArray();
    /** Positions of the item family. */
    public static final int[] ITEM = IntStream.range(0, FeatureSpec.current().size())
            .filter(i -> FeatureSpec.current().features().get(i).family() == FeatureFamily.ITEM).toArray();

    private FeatureHarness() {
    }

    /** Simulated events in the feature layer's order: each user's events arrive in event-time order. */
    public static List<ShopperEvent> simulatedEvents(long seed, int users, int count) {
        List<ShopperEvent> events = new ArrayList<>(new ShopSimulator(SimulatorConfig.defaults(seed).withUsers(users))
                .take(count).stream().map(SimulatedEvent::event).toList());
        events.sort(OfflineFeatureReplay.EVENT_ORDER);
        return events;
    }

    /** The user stage in a harness, fresh or restored from a snapshot. */
    public static KeyedOneInputStreamOperatorTestHarness<String, ShopperEvent, Tuple2<ShopperEvent, UserFeatures>>
            userStage(UserFeatureFunction function, OperatorSubtaskState restoreFrom) throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(function),
                ShopperEvent::userId, Types.STRING);
        // Given, not derived from the first record's class (a View, say), which would fail on a Cart.
        harness.setup(FeatureTypes.EVENT_WITH_USER.createSerializer(new SerializerConfigImpl()));
        if (restoreFrom != null) {
            harness.initializeState(restoreFrom);
        }
        harness.open();
        return harness;
    }

    /** Whether two vectors agree at these positions to a relative tolerance. */
    public static boolean agree(double[] a, double[] b, int[] positions, double relativeTolerance) {
        for (int i : positions) {
            double scale = Math.max(Math.abs(a[i]), Math.abs(b[i]));
            if (Math.abs(a[i] - b[i]) > relativeTolerance * scale) {
                return false;
            }
        }
        return true;
    }

    /** The largest absolute difference at these positions. */
    public static double largestDifference(double[] a, double[] b, int[] positions) {
        double largest = 0;
        for (int i : positions) {
            largest = Math.max(largest, Math.abs(a[i] - b[i]));
        }
        return largest;
    }
}
