package dev.flywheel.jobs.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.health.ModelHealthReport.Verdict;
import dev.flywheel.jobs.monitor.ChallengerComparison.Arm;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The champion-challenger test on simulated traffic: users with a latent propensity, sessions
 * whose events share one label, a traffic split by user, and a look at the evidence after every
 * window. On identical arms a verdict must be rare (at most the significance level, however many
 * windows are looked at); on arms whose log loss differs it must come.
 */
class ChallengerComparisonTest {
    private static final double ALPHA = 0.01;
    private static final long MIN_LABELLED = 1_000;
    private static final int USERS = 20_000;
    private static final int WINDOWS = 60;
    private static final int SESSIONS_PER_WINDOW = 500;

    @Test
    void identicalArmsRarelyGetAVerdictHoweverOftenTheyAreLookedAt() {
        // -Dflywheel.identicalRuns=2000 for a tighter estimate (docs/monitor.md has one).
        int runs = Integer.getInteger("flywheel.identicalRuns", 400);
        int verdicts = 0;
        int naiveVerdicts = 0;
        for (int run = 0; run < runs; run++) {
            Outcome outcome = run(new SplittableRandom(1_000 + run), 0.0);
            verdicts += outcome.verdict != Verdict.NO_VERDICT ? 1 : 0;
            naiveVerdicts += outcome.naiveEverSignificant ? 1 : 0;
        }
        System.out.printf("identical arms, %d runs of %d windows: %d verdicts (%.2f%%); a fixed 1%% z-test on"
                + " independent outcomes looked at every window: %d (%.1f%%)%n", runs, WINDOWS, verdicts,
                100.0 * verdicts / runs, naiveVerdicts, 100.0 * naiveVerdicts / runs);
        // At most 1% in expectation; 400 runs allow a few by chance (binomial p(>= 9) < 0.01 at 1%).
        assertThat(verdicts).isLessThanOrEqualTo(8);
        // The comparison is worth having: the naive test is wrong most of the time here.
        assertThat(naiveVerdicts).isGreaterThan(runs / 5);
    }

    @Test
    void aBetterChallengerIsFoundAndAWorseOneToo() {
        int runs = 60;
        int better = 0;
        int worse = 0;
        int wrongWay = 0;
        for (int run = 0; run < runs; run++) {
            Verdict sharper = run(new SplittableRandom(5_000 + run), 0.6).verdict;
            Verdict blunter = run(new SplittableRandom(9_000 + run), -0.4).verdict;
            better += sharper == Verdict.CHALLENGER_BETTER ? 1 : 0;
            worse += blunter == Verdict.CHALLENGER_WORSE ? 1 : 0;
            wrongWay += (sharper == Verdict.CHALLENGER_WORSE ? 1 : 0) + (blunter == Verdict.CHALLENGER_BETTER ? 1 : 0);
        }
        System.out.printf("different arms, %d runs each: better challenger found %d, worse found %d, wrong way %d%n",
                runs, better, worse, wrongWay);
        // The better challenger's edge is small (a few hundredths in log loss), the worse one's
        // large; both are found in most runs within 60 windows.
        assertThat(better).isGreaterThanOrEqualTo(runs * 2 / 3);
        assertThat(worse).isGreaterThanOrEqualTo(runs * 9 / 10);
        assertThat(wrongWay).isZero();
    }

    private record Outcome(Verdict verdict, boolean naiveEverSignificant) {
    }

    /**
     * One challenger's life: windows of sessions, 20% of users on the challenger. A session's
     * purchase follows the user's latent propensity; both models see that propensity through noise,
     * the challenger with {@code sharper} more weight on it (0: the same model).
     */
    private static Outcome run(SplittableRandom random, double sharper) {
        Arm champion = Arm.empty(Groups.USER_GROUPS);
        Arm challenger = Arm.empty(Groups.USER_GROUPS);
        double pValue = 1;
        Verdict verdict = Verdict.NO_VERDICT;
        boolean naive = false;
        double naiveN0 = 0, naiveS0 = 0, naiveQ0 = 0, naiveN1 = 0, naiveS1 = 0, naiveQ1 = 0;
        for (int w = 0; w < WINDOWS; w++) {
            Arm championWindow = Arm.empty(Groups.USER_GROUPS);
            Arm challengerWindow = Arm.empty(Groups.USER_GROUPS);
            for (int s = 0; s < SESSIONS_PER_WINDOW; s++) {
                int user = random.nextInt(USERS);
                boolean onChallenger = user % 5 == 0;
                int group = Math.floorMod(user * 0x9E3779B9, Groups.USER_GROUPS);
                double propensity = -1.6 + 0.9 * gaussian(user) + 0.8 * random.nextGaussian();
                boolean bought = random.nextDouble() < 1 / (1 + Math.exp(-propensity));
                int events = 1 + random.nextInt(10);
                double weight = onChallenger ? 0.4 + sharper : 0.4;
                for (int e = 0; e < events; e++) {
                    double score = 1 / (1 + Math.exp(-(-1.6 + weight * (propensity + 1.6) + 0.3 * random.nextGaussian())));
                    double loss = -Math.log(bought ? score : 1 - score);
                    Arm arm = onChallenger ? challengerWindow : championWindow;
                    arm.counts()[group]++;
                    arm.losses()[group] += loss;
                    if (onChallenger) {
                        naiveN1++;
                        naiveS1 += loss;
                        naiveQ1 += loss * loss;
                    } else {
                        naiveN0++;
                        naiveS0 += loss;
                        naiveQ0 += loss * loss;
                    }
                }
            }
            champion = champion.plus(championWindow);
            challenger = challenger.plus(challengerWindow);
            ChallengerComparison.Result result = ChallengerComparison.evaluate(champion, challenger, pValue, verdict,
                    ALPHA, MIN_LABELLED);
            pValue = result.pValue();
            verdict = result.verdict();
            if (naiveN0 >= MIN_LABELLED && naiveN1 >= MIN_LABELLED) {
                double m0 = naiveS0 / naiveN0;
                double m1 = naiveS1 / naiveN1;
                double v = (naiveQ0 / naiveN0 - m0 * m0) / naiveN0 + (naiveQ1 / naiveN1 - m1 * m1) / naiveN1;
                naive |= Math.abs(m1 - m0) / Math.sqrt(v) > Distributions.normalQuantile(1 - ALPHA / 2);
            }
        }
        return new Outcome(verdict, naive);
    }

    /** A user's fixed latent trait. */
    private static double gaussian(int user) {
        return new SplittableRandom(user * 7919L).nextGaussian();
    }
}
