package dev.flywheel.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.trainer.testing.SyntheticExamples;
import java.time.Duration;
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
    void refusesFractionsOutsideTheOpenUnitInterval() {
        assertThatThrownBy(() -> TimeSplit.of(EXAMPLES, 0, WINDOW_MS)).hasMessageContaining("(0, 1)");
        assertThatThrownBy(() -> TimeSplit.of(EXAMPLES, 1, WINDOW_MS)).hasMessageContaining("(0, 1)");
        assertThatThrownBy(() -> SplitOptions.of(1.5, Duration.ofMinutes(1))).hasMessageContaining("(0, 1)");
    }

    @Test
    void thePurgeAndTheCensoredTailAreSetApart() {
        TimeSplit split = TimeSplit.of(EXAMPLES, 0.2, 0, WINDOW_MS);
        assertThat(split.train().size()).as("no purge: every event before the cut").isEqualTo(8_000);
        assertThat(split.purgedBeforeCut()).isZero();
        assertThat(split.holdout().size()).isEqualTo(1_940);

        TimeSplit longPurge = TimeSplit.of(EXAMPLES, 0.2, 600_000, WINDOW_MS);
        assertThat(longPurge.train().size()).isEqualTo(7_400);
        assertThat(longPurge.holdout().size()).isEqualTo(1_940);
    }

    @Test
    void aSplitThatLeavesTooLittleHoldoutSaysWhatEachSideHasAndWhatToChange() {
        // 10,000 s of data: an hour-long window censors the last hour, and the cut at 8,000 s is after it.
        SplitOptions hourly = SplitOptions.of(0.2, Duration.ofHours(1));
        assertThatThrownBy(() -> TimeSplit.of(EXAMPLES, hourly))
                .isInstanceOf(InsufficientDataException.class)
                .hasMessageContaining("leaves 4,400 training rows")
                .hasMessageContaining("and 0 holdout rows")
                .hasMessageContaining("of 10,000 events over 2h46m39s")
                .hasMessageContaining("raise --holdout-fraction (now 0.2) or shorten --label-window (now 1h");

        TimeSplit shorter = TimeSplit.of(EXAMPLES, SplitOptions.of(0.2, Duration.ofMinutes(10)));
        assertThat(shorter.holdout().size()).isEqualTo(1_400);
        assertThat(shorter.train().size()).isEqualTo(7_400);
    }

    @Test
    void aSplitThatLeavesTooLittleTrainingSaysSoAndHowToGetMore() {
        SplitOptions lateCut = SplitOptions.of(0.95, Duration.ofMinutes(5));
        assertThatThrownBy(() -> TimeSplit.of(EXAMPLES, lateCut))
                .isInstanceOf(InsufficientDataException.class)
                .hasMessageContaining("leaves 200 training rows")
                .hasMessageContaining("at least 1,000 rows")
                .hasMessageContaining("lower --holdout-fraction (now 0.95) or shorten --purge (now 5m)");
        assertThat(TimeSplit.of(EXAMPLES, lateCut.withMinimums(100, 100, 10)).train().size()).isEqualTo(200);
    }

    @Test
    void eachSideNeedsPurchasesAndNonPurchases() {
        LabelledExamples nobodyBuys = new LabelledExamples(SyntheticExamples.NAMES, EXAMPLES.examples().stream()
                .map(e -> new LabelledExample(e.eventId(), e.features(), false, e.eventTime(), Double.NaN)).toList());
        assertThatThrownBy(() -> TimeSplit.of(nobodyBuys, SplitOptions.of(0.3, Duration.ofMinutes(1))))
                .hasMessageContaining("(0 purchases; at least 1,000 rows and 10 purchases needed)");
    }

    @Test
    void examplesMustComeInEventTimeOrder() {
        assertThatThrownBy(() -> new LabelledExamples(SyntheticExamples.NAMES, java.util.List.of(
                new LabelledExample("late", new double[6], false, 2_000, Double.NaN),
                new LabelledExample("early", new double[6], false, 1_000, Double.NaN))))
                .hasMessageContaining("early at 1000 follows one at 2000");
    }
}
