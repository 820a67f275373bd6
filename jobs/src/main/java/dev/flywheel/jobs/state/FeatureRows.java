package dev.flywheel.jobs.state;

import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.ItemState;
import dev.flywheel.features.UserState;
import dev.flywheel.jobs.features.ItemFeatureStage;
import dev.flywheel.jobs.features.UserFeatureStage;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.util.Collector;

/**
 * The CSV rows of an export: one per user or item in the state, its {@code *.HELD_FEATURES} as
 * of a time, named as the feature spec names them. Values are written with {@link Double#toString},
 * which reads back to the same double.
 */
final class FeatureRows {
    /** Export each row as of the entity's own last event. */
    static final long AS_OF_LAST_EVENT = Long.MIN_VALUE;

    static final List<String> USER_COLUMNS = columns("user_id",
            List.of("last_event_ts", "last_cart_ts", "last_purchase_ts"), UserState.HELD_FEATURES);
    static final List<String> ITEM_COLUMNS = columns("item_id", List.of("last_event_ts"), ItemState.HELD_FEATURES);

    private FeatureRows() {
    }

    private static List<String> columns(String key, List<String> times, List<String> features) {
        List<String> columns = new ArrayList<>();
        columns.add(key);
        columns.addAll(times);
        columns.addAll(features);
        return List.copyOf(columns);
    }

    static final class Users extends KeyedStateReaderFunction<String, String> {
        private static final long serialVersionUID = 1L;
        private static final int[] POSITIONS = UserState.HELD_FEATURES.stream()
                .mapToInt(FeatureSpec.current()::indexOf).toArray();

        private final FeatureSettings settings;
        private final long asOf;
        private transient ValueState<UserState> user;

        Users(FeatureSettings settings, long asOf) {
            this.settings = settings;
            this.asOf = asOf;
        }

        @Override
        public void open(OpenContext context) {
            user = getRuntimeContext().getState(UserFeatureStage.userDescriptor());
        }

        @Override
        public void readKey(String userId, Context ctx, Collector<String> out) throws Exception {
            UserState state = user.value();
            if (state == null) {
                return;
            }
            double[] features = state.featuresAt(asOf == AS_OF_LAST_EVENT ? state.lastEventTime : asOf, settings);
            StringBuilder row = new StringBuilder(256).append(csv(userId));
            time(row, state.lastEventTime);
            time(row, state.lastCartTime);
            time(row, state.lastPurchaseTime);
            for (int position : POSITIONS) {
                row.append(',').append(features[position]);
            }
            out.collect(row.toString());
        }
    }

    static final class Items extends KeyedStateReaderFunction<String, String> {
        private static final long serialVersionUID = 1L;

        private final FeatureSettings settings;
        private final long asOf;
        private transient ValueState<ItemState> item;

        Items(FeatureSettings settings, long asOf) {
            this.settings = settings;
            this.asOf = asOf;
        }

        @Override
        public void open(OpenContext context) {
            item = getRuntimeContext().getState(ItemFeatureStage.itemDescriptor());
        }

        @Override
        public void readKey(String itemId, Context ctx, Collector<String> out) throws Exception {
            ItemState state = item.value();
            if (state == null) {
                return;
            }
            double[] features = state.featuresAt(asOf == AS_OF_LAST_EVENT ? state.lastEventTime : asOf, settings);
            StringBuilder row = new StringBuilder(128).append(csv(itemId));
            time(row, state.lastEventTime);
            for (double value : features) {
                row.append(',').append(value);
            }
            out.collect(row.toString());
        }
    }

    private static void time(StringBuilder row, long time) {
        row.append(',');
        if (time != UserState.NONE) {
            row.append(time);
        }
    }

    /** Ids are free text in the event contract: quoted when they hold a comma, quote or line break. */
    static String csv(String value) {
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }
}
