package dev.flywheel.jobs.features;

import dev.flywheel.decisions.Decision;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.ItemState;
import dev.flywheel.features.UserState;
import dev.flywheel.jobs.events.ShopperEventTypeInfo;
import dev.flywheel.outcomes.Outcome;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;

/** Flink type information of what the scoring job passes between operators and keeps in state. */
public final class FeatureTypes {
    /** An event with what the user stage computed for it. */
    public static final TypeInformation<Tuple2<ShopperEvent, UserFeatures>> EVENT_WITH_USER =
            Types.TUPLE(ShopperEventTypeInfo.INSTANCE, TypeInformation.of(UserFeatures.class));
    public static final TypeInformation<FeatureVector> FEATURE_VECTOR = TypeInformation.of(FeatureVector.class);
    public static final TypeInformation<ItemState> ITEM_STATE = TypeInformation.of(ItemState.class);
    public static final TypeInformation<UserState> USER_STATE = TypeInformation.of(UserState.class);
    public static final TypeInformation<Decision> DECISION = TypeInformation.of(Decision.class);
    public static final TypeInformation<Outcome> OUTCOME = TypeInformation.of(Outcome.class);

    private FeatureTypes() {
    }
}
