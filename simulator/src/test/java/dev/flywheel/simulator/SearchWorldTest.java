package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.simulator.SearchWorld.CatalogItem;
import dev.flywheel.simulator.SearchWorld.Interaction;
import dev.flywheel.simulator.SearchWorld.SearchQuery;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SearchWorldTest {
    private static final SimulatorConfig CONFIG = SimulatorConfig.defaults(5).withItems(4_000);
    private static final SearchWorld WORLD = new SearchWorld(CONFIG);

    @Test
    void sameSeedGivesTheSameCatalogueAndQueriesAndAnotherSeedDoesNot() {
        SearchWorld again = new SearchWorld(CONFIG);
        SearchWorld other = new SearchWorld(SimulatorConfig.defaults(6).withItems(4_000));
        int sameAsOther = 0;
        for (int i = 0; i < 200; i++) {
            assertThat(again.item(i)).isEqualTo(WORLD.item(i));
            assertThat(again.query(i)).isEqualTo(WORLD.query(i));
            assertThat(again.heldOutQuery(i)).isEqualTo(WORLD.heldOutQuery(i));
            if (other.item(i).title().equals(WORLD.item(i).title())) {
                sameAsOther++;
            }
        }
        assertThat(sameAsOther).isLessThan(5);
    }

    @Test
    void itemsAreListedWithTheirCategoryBrandAndAttributes() {
        CatalogItem item = WORLD.item(21);
        assertThat(item.itemId()).isEqualTo("item-21");
        assertThat(item.category()).isEqualTo("fashion");
        assertThat(item.title()).startsWith(item.brand() + " ");
        assertThat(item.attributes()).startsWith("colour ");
        assertThat(item.text()).contains(item.title(), item.category(), item.attributes());
        assertThat(WORLD.itemIndex("item-21")).isEqualTo(21);
        assertThat(WORLD.itemIndex("item-4000")).isEqualTo(-1);
        assertThat(WORLD.itemIndex("item-x")).isEqualTo(-1);
        assertThat(WORLD.itemIndex("sku-1")).isEqualTo(-1);
    }

    @Test
    void heldOutQueriesAreNotTheTrainingQueries() {
        Set<SearchQuery> training = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            training.add(WORLD.query(i));
        }
        int shared = 0;
        for (int i = 0; i < 500; i++) {
            SearchQuery heldOut = WORLD.heldOutQuery(i);
            if (training.stream().anyMatch(q -> q.id() == heldOut.id())) {
                shared++;
            }
        }
        assertThat(shared).isZero();
        assertThatThrownBy(() -> WORLD.query(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void queriesOftenUseOtherWordsThanTheListingsTheyAreAbout() {
        int synonymOnly = 0;
        int misspelt = 0;
        int queries = 400;
        for (int q = 0; q < queries; q++) {
            SearchQuery query = WORLD.query(q);
            misspelt += query.misspelt() ? 1 : 0;
            // The type phrase the shopper typed, without the attribute words in front of it.
            String typed = query.text();
            boolean anyPerfectItemSharesTheTypeWords = LongStream.range(0, WORLD.itemCount())
                    .filter(i -> WORLD.relevance(query, i) >= 2)
                    .mapToObj(i -> WORLD.item(i).title())
                    .anyMatch(title -> typed.endsWith(lastWord(title)));
            if (!anyPerfectItemSharesTheTypeWords) {
                synonymOnly++;
            }
        }
        // A keyword index has something to miss, and a good share is still plain keyword matching.
        assertThat(synonymOnly).isBetween(queries / 10, queries * 6 / 10);
        assertThat(misspelt).isBetween(queries / 10, queries * 3 / 10);
    }

    private static String lastWord(String title) {
        return title.substring(title.lastIndexOf(' ') + 1);
    }

    @Test
    void relevanceIsGradedByCategoryTypeAndTheAttributesAsked() {
        SearchQuery query = WORLD.query(3);
        for (long i = 0; i < 400; i++) {
            CatalogItem item = WORLD.item(i);
            int grade = WORLD.relevance(query, i);
            int category = (int) (i % CONFIG.categories());
            if (category != query.category()) {
                assertThat(grade).isZero();
            } else if (item.type() != query.type()) {
                assertThat(grade).isEqualTo(1);
            } else {
                boolean all = (query.colour() < 0 || item.colour() == query.colour())
                        && (query.feature() < 0 || item.feature() == query.feature());
                assertThat(grade).isEqualTo(all ? 3 : 2);
            }
        }
        assertThat(WORLD.relevance(query, "item-999999")).isZero();
    }

    @Test
    void ndcgIsOneForTheIdealListAndLowerForWorseOnes() {
        for (int q = 0; q < 20; q++) {
            SearchQuery query = WORLD.heldOutQuery(q);
            List<Long> all = new ArrayList<>(LongStream.range(0, WORLD.itemCount()).boxed().toList());
            all.sort(Comparator.comparingInt((Long i) -> -WORLD.relevance(query, i)));
            List<String> ideal = all.stream().limit(10).map(i -> "item-" + i).toList();
            assertThat(WORLD.ndcg(query, ideal, 10)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));

            List<String> reversed = new ArrayList<>(ideal);
            java.util.Collections.reverse(reversed);
            if (WORLD.relevance(query, ideal.get(0)) != WORLD.relevance(query, ideal.get(9))) {
                assertThat(WORLD.ndcg(query, reversed, 10)).isLessThan(1.0);
            }
            List<String> irrelevant = all.subList(all.size() - 10, all.size()).stream().map(i -> "item-" + i).toList();
            assertThat(WORLD.ndcg(query, irrelevant, 10)).isZero();
            assertThat(WORLD.ndcg(query, List.of(), 10)).isZero();
        }
    }

    @Test
    void clicksFollowRelevanceAndPositionBias() {
        // Per query, the best and a wrong-category item, each shown at the top and at the bottom.
        int[][] clicks = new int[2][2];
        int trials = 0;
        SplittableRandom pick = new SplittableRandom(1);
        for (int q = 0; q < 300; q++) {
            SearchQuery query = WORLD.query(q);
            long best = -1;
            long wrong = -1;
            for (long i = 0; i < WORLD.itemCount() && (best < 0 || wrong < 0); i++) {
                int grade = WORLD.relevance(query, i);
                if (grade == 3 && best < 0) {
                    best = i;
                } else if (grade == 0 && wrong < 0 && pick.nextDouble() < 0.1) {
                    wrong = i;
                }
            }
            if (best < 0) {
                continue;
            }
            long wrongItem = wrong;
            List<String> filler = LongStream.range(0, 8).mapToObj(i -> "item-" + (wrongItem + 20 * (i + 1))).toList();
            for (int impression = 0; impression < 20; impression++) {
                List<String> top = new ArrayList<>();
                top.add("item-" + best);
                top.add("item-" + wrong);
                top.addAll(filler);
                List<String> bottom = new ArrayList<>(filler);
                bottom.add("item-" + wrong);
                bottom.add("item-" + best);
                List<Interaction> atTop = WORLD.interact(query, top, impression);
                List<Interaction> atBottom = WORLD.interact(query, bottom, impression + 1_000);
                clicks[0][0] += atTop.get(0).clicked() ? 1 : 0;
                clicks[0][1] += atBottom.get(9).clicked() ? 1 : 0;
                clicks[1][0] += atTop.get(1).clicked() ? 1 : 0;
                clicks[1][1] += atBottom.get(8).clicked() ? 1 : 0;
                assertThat(!atTop.get(0).purchased() || atTop.get(0).clicked()).isTrue();
                trials++;
            }
        }
        assertThat(trials).isGreaterThan(1_000);
        // Relevant beats irrelevant at the same position, the top beats the bottom for the same item.
        assertThat(clicks[0][0]).isGreaterThan(3 * clicks[1][0]);
        assertThat(clicks[0][0]).isGreaterThan(4 * clicks[0][1]);
        // The same impression of the same list draws the same clicks.
        SearchQuery query = WORLD.query(0);
        List<String> list = LongStream.range(0, 10).mapToObj(i -> "item-" + i).toList();
        assertThat(WORLD.interact(query, list, 7)).isEqualTo(WORLD.interact(query, list, 7));
    }

    @Test
    void misspellingChangesTheLongestWordByOneEdit() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 200; i++) {
            String wrong = SearchVocabulary.misspell("running shoes", random);
            assertThat(wrong).endsWith(" shoes").isNotEqualTo("running shoes");
            assertThat(Math.abs(wrong.length() - "running shoes".length())).isLessThanOrEqualTo(1);
        }
        assertThat(SearchVocabulary.misspell("amp", random)).isEqualTo("amp");
    }
}
