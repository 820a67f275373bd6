package dev.flywheel.jobs.features;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.ItemFeatures;
import dev.flywheel.features.ItemState;
import dev.flywheel.features.UserState;
import dev.flywheel.jobs.events.ShopperEventTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;

/** Flink type information of what the feature stage passes between operators and keeps in state. */
public final class FeatureTypes {
    /** An event with what the item stage computed for its item. */
    public static final TypeInformation<Tuple2<ShopperEvent, ItemFeatures>> EVENT_WITH_ITEM =
            Types.TUPLE(ShopperEventTypeInfo.INSTANCE, TypeInformation.of(ItemFeatures.class));
    public static final TypeInformation<FeatureVector> FEATURE_VECTOR = TypeInformation.of(FeatureVector.class);
    public static final TypeInformation<ItemState> ITEM_STATE = TypeInformation.of(ItemState.class);
    public static final TypeInformation<UserState> USER_STATE = TypeInformation.of(UserState.class);

    private FeatureTypes() {
    }
}
