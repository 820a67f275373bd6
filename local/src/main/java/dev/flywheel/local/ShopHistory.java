package dev.flywheel.local;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.trainer.TrainingRun;
import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.training.TrainingOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The loop's shop before it goes live: weeks of history, and the first model trained on its last
 * days. Features decay with half-lives of up to 7 days, so a shop simulated from empty keeps
 * changing for weeks; a model trained on its first hours would see every later hour drift, rightly,
 * and no stationary run could be told from a drifting one. After {@code burnIn} the features sit
 * near their steady level, and the model learns from {@code training} days of a settled shop.
 *
 * <p>The same history (same seed, same events) is then replayed into the scoring job, so the
 * features it keeps when the model starts serving are those of a shop that has been running.
 *
 * @param model        the first model, trained on the history's last {@code training} days
 * @param broken       when asked for, a model of the same features trained on inverted labels:
 *                     what a broken label join would ship, for the canary to catch; else null
 * @param events       events in the whole history
 * @param liveFrom     event time where the history ends and live traffic begins
 * @param seconds      wall time of simulation, features and training
 */
record ShopHistory(TrainingRun.Result model, TrainingRun.Result broken, long events, long liveFrom, double seconds) {

    /** A small shop: 1,000 shoppers, 250 items, a session every 10 s, about 2,250 events an hour. */
    static SimulatorConfig shop(long seed) {
        return SimulatorConfig.defaults(seed).withUsers(1_000).withItems(250).withSessionsPerSecond(0.1);
    }

    static ShopHistory build(SimulatorConfig shop, Duration burnIn, Duration training, String modelName,
            boolean withBroken, Consumer<String> progress) throws Exception {
        long started = System.nanoTime();
        long trainFrom = shop.startEpochMs() + burnIn.toMillis();
        long liveFrom = trainFrom + training.toMillis();
        ShopSimulator simulator = new ShopSimulator(shop);
        OfflineFeatureReplay replay = new OfflineFeatureReplay(FeatureSettings.defaults());
        List<ShopperEvent> recent = new ArrayList<>();
        long events = 0;
        long nextDay = shop.startEpochMs();
        while (simulator.hasNext()) {
            ShopperEvent event = simulator.next().event();
            if (event.ts() >= liveFrom) {
                break;
            }
            events++;
            if (event.ts() >= nextDay) {
                progress.accept(String.format("history: day %d of %d (%,d events)", (event.ts() - shop.startEpochMs())
                        / 86_400_000L + 1, burnIn.plus(training).toDays(), events));
                // Every fifth day: the whole history takes seconds.
                nextDay += 5 * 86_400_000L;
            }
            if (event.ts() < trainFrom) {
                replay.apply(event);
            } else {
                recent.add(event);
            }
        }
        // The training days in the feature layer's order; labels from the purchases that follow.
        recent.sort(OfflineFeatureReplay.EVENT_ORDER);
        boolean[] labels = Attribution.defaults().labels(recent);
        List<LabelledExample> examples = new ArrayList<>(recent.size());
        List<LabelledExample> inverted = new ArrayList<>(withBroken ? recent.size() : 0);
        for (int i = 0; i < recent.size(); i++) {
            FeatureVector vector = replay.apply(recent.get(i));
            examples.add(new LabelledExample(vector.eventId(), vector.values(), labels[i], vector.eventTime(), Double.NaN));
            if (withBroken) {
                inverted.add(new LabelledExample(vector.eventId(), vector.values(), !labels[i], vector.eventTime(),
                        Double.NaN));
            }
        }
        List<String> names = FeatureSpec.current().names();
        progress.accept(String.format("training %s on the last %d days of history (%,d events)...", modelName,
                training.toDays(), examples.size()));
        String createdBy = String.format("run-loop history seed=%d burn-in=%dd training=%dd feature-spec=v%d",
                shop.seed(), burnIn.toDays(), training.toDays(), FeatureSpec.current().version());
        TrainingRun.Result model = TrainingRun.run(new LabelledExamples(names, examples),
                new TrainingRun.Settings(modelName, 0.3, TrainingOptions.defaults(shop.seed()), createdBy), line -> { });
        TrainingRun.Result broken = !withBroken ? null : TrainingRun.run(new LabelledExamples(names, inverted),
                new TrainingRun.Settings(modelName, 0.3, TrainingOptions.defaults(shop.seed()),
                        createdBy + " labels=inverted"), line -> { });
        return new ShopHistory(model, broken, events, liveFrom, (System.nanoTime() - started) / 1e9);
    }
}
