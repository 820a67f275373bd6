package dev.flywheel.local;

import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.trainer.TrainingRun;
import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.dataset.SimulatedWarmup;
import dev.flywheel.trainer.training.TrainingOptions;

/**
 * A model for the local run, trained before any traffic flows: the shop simulator's first
 * {@code events} events (the warm-up period) featurized by the feature layer's offline replay,
 * split in time, fitted, exported to ONNX and evaluated on the holdout, all by the trainer's own
 * {@link TrainingRun}. Only what registration and the report need is kept: the examples and the
 * Tribuo model become garbage once {@link #train} returns, which matters under the local run's heap.
 *
 * @param onnx              the model file
 * @param descriptor        ready for the registry (version 0: the registry numbers it)
 * @param trainExamples     examples the model was fitted on
 * @param holdoutExamples   examples it was evaluated on
 * @param auc               holdout AUC of the scores ONNX Runtime computes
 * @param bestAchievableAuc the AUC of the simulator's true probabilities on the same holdout
 * @param lastEventTime     event time of the warm-up's last event: where the live shop continues
 * @param seconds           wall time of simulation, features and training
 */
record WarmupModel(byte[] onnx, ModelDescriptor descriptor, int trainExamples, int holdoutExamples, double auc,
        double bestAchievableAuc, long lastEventTime, double seconds) {

    static final String MODEL = "purchase-propensity";
    /** The trainer command's default: the latest 30% of the warm-up is the holdout. */
    static final double HOLDOUT_FRACTION = 0.3;

    /** The warm-up is too short for a holdout after the label-window cuts. */
    static final class WarmupTooShortException extends Exception {
        WarmupTooShortException(String message) {
            super(message);
        }
    }

    /**
     * @param shop        the simulated shop; its seed also seeds training
     * @param events      warm-up events
     * @param description recorded in the descriptor's {@code created_by}
     */
    static WarmupModel train(SimulatorConfig shop, int events, double holdoutFraction, String description)
            throws Exception {
        long started = System.nanoTime();
        LabelledExamples examples = SimulatedWarmup.generate(shop, events, FeatureSettings.defaults());
        long lastEventTime = Long.MIN_VALUE;
        for (LabelledExample example : examples.examples()) {
            lastEventTime = Math.max(lastEventTime, example.eventTime());
        }
        String createdBy = String.format("%s seed=%d events=%d users=%d holdout=%s feature-spec=v%d", description,
                shop.seed(), events, shop.users(), holdoutFraction, FeatureSpec.current().version());
        TrainingRun.Result result;
        try {
            result = TrainingRun.run(examples, new TrainingRun.Settings(MODEL, holdoutFraction,
                    TrainingOptions.defaults(shop.seed()), createdBy), line -> { });
        } catch (IllegalArgumentException e) {
            // TimeSplit's verdict: the warm-up does not span enough label windows to hold any out.
            throw new WarmupTooShortException(e.getMessage());
        }
        return new WarmupModel(result.onnx(), result.descriptor(), result.split().train().size(),
                result.split().holdout().size(), result.evaluation().auc(), result.evaluation().bestAchievableAuc(),
                lastEventTime, (System.nanoTime() - started) / 1e9);
    }

    /** One line: what the holdout says, and what it cost. */
    String report() {
        String ceiling = Double.isFinite(bestAchievableAuc)
                ? String.format(" (the simulator's truth: %.3f)", bestAchievableAuc) : "";
        return String.format("holdout AUC %.3f%s on %,d examples, trained on %,d, %.1f s", auc, ceiling,
                holdoutExamples, trainExamples, seconds);
    }
}
