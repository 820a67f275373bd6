package dev.flywheel.trainer.ranking;

/**
 * One result list as it was shown and what the shopper clicked: a training group for a ranker.
 *
 * @param features    one row per shown item, in the ranker's feature order
 * @param clicked     whether the item of each row was clicked
 * @param propensities probability that the shopper looked at each row's position at all; clicks are
 *                     weighted by its inverse, so the top of the list does not win just for being
 *                     looked at more
 */
public record RankingImpression(float[][] features, boolean[] clicked, double[] propensities) {
    public RankingImpression {
        if (features.length != clicked.length || features.length != propensities.length) {
            throw new IllegalArgumentException("features, clicked and propensities need one entry per row");
        }
        for (double p : propensities) {
            if (!(p > 0 && p <= 1)) {
                throw new IllegalArgumentException("propensities must be in (0, 1], got " + p);
            }
        }
    }
}
