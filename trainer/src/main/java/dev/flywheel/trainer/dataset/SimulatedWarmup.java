package dev.flywheel.trainer.dataset;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedEvent;
import dev.flywheel.simulator.SimulatorConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The first model's training data: a simulated warm-up period, featurized by the feature layer's
 * own offline replay (the code the scoring job runs), labelled from the observable purchases, with
 * the simulator's exact purchase probability kept beside each row for the evaluation's ceiling.
 *
 * <p>Every event becomes an example, as every event gets a decision in the scoring job. The feature
 * state starts empty, as a freshly started job's would; the first simulated hours therefore hold
 * more first-visit users than a shop in steady state.
 */
public final class SimulatedWarmup {
    private SimulatedWarmup() {
    }

    public static LabelledExamples generate(SimulatorConfig config, int eventCount, FeatureSettings settings) {
        return generate(config, eventCount, settings, Attribution.defaults());
    }

    /**
     * @param attribution the label's window; the simulator's truth rides along only for the default
     *                    30 minutes, the window it is exact for (NaN otherwise)
     */
    public static LabelledExamples generate(SimulatorConfig config, int eventCount, FeatureSettings settings,
                                            Attribution attribution) {
        if (eventCount < 1) {
            throw new IllegalArgumentException("the warm-up needs at least one event, got " + eventCount);
        }
        List<SimulatedEvent> simulated = new ArrayList<>(new ShopSimulator(config).take(eventCount));
        // The feature layer applies events in its own order (time, then event id); labels and vectors follow it.
        simulated.sort(Comparator.comparing(SimulatedEvent::event, OfflineFeatureReplay.EVENT_ORDER));
        List<ShopperEvent> events = simulated.stream().map(SimulatedEvent::event).toList();
        boolean[] labels = attribution.labels(events);
        boolean truthApplies = attribution.window().equals(Attribution.DEFAULT_WINDOW);
        OfflineFeatureReplay replay = new OfflineFeatureReplay(settings);
        List<LabelledExample> examples = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            FeatureVector vector = replay.apply(events.get(i));
            examples.add(new LabelledExample(vector.eventId(), vector.values(), labels[i], vector.eventTime(),
                    truthApplies ? simulated.get(i).buyProbability30m() : Double.NaN));
        }
        return new LabelledExamples(FeatureSpec.current().names(), examples);
    }
}
