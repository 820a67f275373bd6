package dev.flywheel.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.trainer.testing.SyntheticExamples;
import org.junit.jupiter.api.Test;

class TimeSplitTest {
    private static final long WINDOW_MS = 60_000;
    // one example a second for 10,000 seconds
    private static final LabelledExamples EXAMPLES = SyntheticExamples.logistic(10_000, new double[6], 0, 1);

    @Test
    void theHoldoutIsTheLaterPartAndTrainingLabelsCloseBeforeItStarts() {
        TimeSplit split = TimeSplit.of(EXAMPLES, 0.2, WINDOW_MS);

        assertThat(split.cutoffTime()).isEqualTo(SyntheticExamples.START + 8_000_000L);
        // training: label windows end before the cut, so 60 seconds before it are purged
        assertThat(split.train().size()).isEqualTo(7_940);
        assertThat(split.purgedBeforeCut()).isEqualTo(60);
        // holdout: from the cut to one window before the last event, whose labels are complete
        assertThat(split.holdout().size()).isEqualTo(1_940);
        assertThat(split.censoredAtEnd()).isEqualTo(60);

        long lastTrain = split.train().examples().get(split.train().size() - 1).eventTime();
        long firstHoldout = split.holdout().examples().get(0).eventTime();
        assertThat(lastTrain + WINDOW_MS).isLessThan(firstHoldout);
        assertThat(split.holdout().featureNames()).isEqualTo(EXAMPLES.featureNames());
    }

    @Test
    void examplesAtTheCutoffTimeAllGoToTheHoldout() {
        LabelledExamples ties = new LabelledExamples(SyntheticExamples.NAMES, java.util.stream.IntStream.range(0, 300)
                .mapToObj(i -> new LabelledExample("e" + i, new double[6], i % 2 == 0, i < 100 ? i * 1000L : 100_000L + (i / 150) * 200_000L, Double.NaN))
                .toList());
        TimeSplit split = TimeSplit.of(ties, 0.55, 0);

        assertThat(split.train().examples()).allMatch(e -> e.eventTime() < split.cutoffTime());
        assertThat(split.holdout().examples()).allMatch(e -> e.eventTime() >= split.cutoffTime());
        assertThat(split.train().size() + split.holdout().size() + split.purgedBeforeCut() + split.censoredAtEnd())
                .isEqualTo(300);
    }

    @Test
    void refusesFractionsOutsideTheOpenUnitIntervalAndDataTooShortToSplit() {
        assertThatThrownBy(() -> TimeSplit.of(EXAMPLES, 0, WINDOW_MS)).hasMessageContaining("(0, 1)");
        assertThatThrownBy(() -> TimeSplit.of(EXAMPLES, 1, WINDOW_MS)).hasMessageContaining("(0, 1)");
        assertThatThrownBy(() -> TimeSplit.of(EXAMPLES, 0.2, 10_000_000L)).hasMessageContaining("two label windows");
    }

    @Test
    void examplesMustComeInEventTimeOrder() {
        assertThatThrownBy(() -> new LabelledExamples(SyntheticExamples.NAMES, java.util.List.of(
                new LabelledExample("late", new double[6], false, 2_000, Double.NaN),
                new LabelledExample("early", new double[6], false, 1_000, Double.NaN))))
                .hasMessageContaining("early at 1000 follows one at 2000");
    }
}
