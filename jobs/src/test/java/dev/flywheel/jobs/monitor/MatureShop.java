package dev.flywheel.jobs.monitor;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.simulator.DriftScenario;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.trainer.TrainingRun;
import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.export.OnnxScorer;
import dev.flywheel.trainer.training.TrainingOptions;
import java.lang.ref.SoftReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A simulated shop that has run long enough for its feature distributions to settle, a model
 * trained on it, and what followed: days of the same shop (stationary), then a preference shift.
 *
 * <p>Why a burn-in: features decay with half-lives up to 7 days, and a shop simulated from empty
 * state keeps changing for weeks (users and items accumulate history), so a model trained on its
 * first hours sees every later window drift, rightly. A monitor's false alarms can only be
 * measured on a stream that is stationary relative to the model's reference. A small shop (1,000
 * shoppers, 250 items, a session every 10 s) makes 22 days of burn-in cost 1.2 million events;
 * afterwards the 7-day counters sit within about 10% of their steady level and move about 1% a
 * day.
 *
 * <p>Built once per test JVM (about 30 s on 2 cores) and held softly, since it is about 200 MB.
 */
final class MatureShop {
    static final long SEED = 42;
    static final Duration BURN_IN = Duration.ofDays(22);
    static final Duration TRAINING = Duration.ofDays(3);
    static final Duration STATIONARY = Duration.ofDays(4);
    static final Duration DRIFTED = Duration.ofHours(12);
    static final String MODEL = "purchase-propensity";

    /** One event as the scoring job would have decided and labelled it. */
    record Row(ShopperEvent event, double[] features, boolean purchased, double score) {
    }

    private static SoftReference<MatureShop> cached = new SoftReference<>(null);

    final TrainingRun.Result model;
    /** After the training period, before the shift. */
    final List<Row> stationary;
    /** From the shift on: sessions starting after it prefer other categories. */
    final List<Row> drifted;
    final long shiftAt;

    private MatureShop(TrainingRun.Result model, List<Row> stationary, List<Row> drifted, long shiftAt) {
        this.model = model;
        this.stationary = stationary;
        this.drifted = drifted;
        this.shiftAt = shiftAt;
    }

    static synchronized MatureShop get() {
        MatureShop shop = cached.get();
        if (shop == null) {
            shop = build();
            cached = new SoftReference<>(shop);
        }
        return shop;
    }

    static SimulatorConfig config() {
        Duration shift = BURN_IN.plus(TRAINING).plus(STATIONARY);
        return SimulatorConfig.defaults(SEED).withUsers(1_000).withItems(250).withSessionsPerSecond(0.1)
                .withDrift(List.of(DriftScenario.of(DriftScenario.Kind.PREFERENCE_SHIFT, shift)));
    }

    private static MatureShop build() {
        long started = System.nanoTime();
        SimulatorConfig config = config();
        long trainFrom = config.startEpochMs() + BURN_IN.toMillis();
        long liveFrom = trainFrom + TRAINING.toMillis();
        long shiftAt = liveFrom + STATIONARY.toMillis();
        long end = shiftAt + DRIFTED.toMillis();

        ShopSimulator simulator = new ShopSimulator(config);
        OfflineFeatureReplay replay = new OfflineFeatureReplay(FeatureSettings.defaults());
        List<ShopperEvent> kept = new ArrayList<>();
        long burnIn = 0;
        while (simulator.hasNext()) {
            ShopperEvent event = simulator.next().event();
            if (event.ts() >= end) {
                break;
            }
            if (event.ts() < trainFrom) {
                replay.apply(event);
                burnIn++;
            } else {
                kept.add(event);
            }
        }
        kept.sort(OfflineFeatureReplay.EVENT_ORDER);
        boolean[] labels = Attribution.defaults().labels(kept);
        List<LabelledExample> training = new ArrayList<>();
        List<double[]> vectors = new ArrayList<>(kept.size());
        for (int i = 0; i < kept.size(); i++) {
            FeatureVector vector = replay.apply(kept.get(i));
            vectors.add(vector.values());
            if (vector.eventTime() < liveFrom) {
                training.add(new LabelledExample(vector.eventId(), vector.values(), labels[i], vector.eventTime(),
                        Double.NaN));
            }
        }
        TrainingRun.Result model;
        double[] scores;
        try {
            model = TrainingRun.run(new LabelledExamples(FeatureSpec.current().names(), training),
                    new TrainingRun.Settings(MODEL, 0.3, TrainingOptions.defaults(SEED), "mature shop"), line -> { });
            scores = score(model.onnx(), model.descriptor(), vectors.subList(training.size(), vectors.size()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        List<Row> stationary = new ArrayList<>();
        List<Row> drifted = new ArrayList<>();
        for (int i = training.size(); i < kept.size(); i++) {
            Row row = new Row(kept.get(i), vectors.get(i), labels[i], scores[i - training.size()]);
            (row.event().ts() < shiftAt ? stationary : drifted).add(row);
        }
        System.out.printf("mature shop: %,d burn-in events (%d days), %,d training, %,d stationary, %,d drifted;"
                        + " holdout AUC %.4f; built in %.1f s%n", burnIn, BURN_IN.toDays(), training.size(),
                stationary.size(), drifted.size(), model.evaluation().auc(), (System.nanoTime() - started) / 1e9);
        return new MatureShop(model, List.copyOf(stationary), List.copyOf(drifted), shiftAt);
    }

    /** A model's served scores (ONNX Runtime, float) of spec-ordered vectors. */
    static double[] score(byte[] onnx, ModelDescriptor descriptor, List<double[]> specVectors) throws Exception {
        List<String> names = FeatureSpec.current().names();
        int[] columns = descriptor.inputs().stream().mapToInt(names::indexOf).toArray();
        List<double[]> rows = new ArrayList<>(specVectors.size());
        for (double[] vector : specVectors) {
            double[] row = new double[columns.length];
            for (int c = 0; c < columns.length; c++) {
                row[c] = vector[columns[c]];
            }
            rows.add(row);
        }
        int scoreColumn = descriptor.output().columns().indexOf(descriptor.output().scoreColumn());
        try (OnnxScorer scorer = new OnnxScorer(onnx, columns.length)) {
            return scorer.column(rows, scoreColumn);
        }
    }
}
