package dev.flywheel.features;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.ItemEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Computes feature vectors from a list of events without Flink, with the same {@link ItemState} and
 * {@link UserState} code the scoring job runs: for training sets, backfills and debugging.
 *
 * <p>The replay applies events in {@link #EVENT_ORDER}. The online job applies them on arrival,
 * with no waiting: where each user's events arrive in that order (one user's events come from one
 * partition), the user and session features of its vectors equal the replay's; item features
 * aggregate many users' events arriving through different partitions, so they can differ by the
 * events that arrived in another order (docs/features.md bounds it). This replay is the reference
 * that bootstrap and training on history use. Expired users and items are reset on their next
 * event exactly as the job's timers would have deleted them, but their entries stay in this
 * replay's maps: memory grows with the number of distinct users and items.
 */
public final class OfflineFeatureReplay {

    /** The order in which the feature layer applies events: event time, ties by event id. */
    public static final Comparator<ShopperEvent> EVENT_ORDER =
            Comparator.comparingLong(ShopperEvent::ts).thenComparing(ShopperEvent::eventId);

    private final FeatureSettings settings;
    private final Map<String, ItemState> items = new HashMap<>();
    private final Map<String, UserState> users = new HashMap<>();

    public OfflineFeatureReplay(FeatureSettings settings) {
        this.settings = settings;
    }

    /** Sorts the events into {@link #EVENT_ORDER} and computes each one's vector, in that order. */
    public static List<FeatureVector> replay(Collection<? extends ShopperEvent> events, FeatureSettings settings) {
        List<ShopperEvent> ordered = new ArrayList<>(events);
        ordered.sort(EVENT_ORDER);
        OfflineFeatureReplay replay = new OfflineFeatureReplay(settings);
        List<FeatureVector> vectors = new ArrayList<>(ordered.size());
        for (ShopperEvent event : ordered) {
            vectors.add(replay.apply(event));
        }
        return vectors;
    }

    /** The next event's vector; the caller keeps events in {@link #EVENT_ORDER}. */
    public FeatureVector apply(ShopperEvent event) {
        // The job's order: the user stage first, then the item stage, which reads the session's price level.
        UserState user = users.computeIfAbsent(event.userId(), id -> new UserState());
        double[] values = user.applyUser(event, settings);
        ItemFeatures item = event instanceof ItemEvent itemEvent
                ? items.computeIfAbsent(itemEvent.itemId(), id -> new ItemState()).apply(itemEvent, values, settings)
                : ItemFeatures.NONE;
        item.writeInto(values, user.usualUnitPrice());
        return new FeatureVector(event.eventId(), event.userId(), event.type(), event.ts(),
                FeatureSpec.current().version(), values);
    }

    /** Every user's state as it stands: for inspection, export and sizing. */
    public void forEachUser(BiConsumer<String, UserState> action) {
        users.forEach(action);
    }

    public int users() {
        return users.size();
    }

    public int items() {
        return items.size();
    }
}
