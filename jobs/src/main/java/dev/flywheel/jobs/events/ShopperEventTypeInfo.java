package dev.flywheel.jobs.events;

import dev.flywheel.events.ShopperEvent;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink type information for {@link ShopperEvent}; pass it wherever events cross an operator. */
public final class ShopperEventTypeInfo extends TypeInformation<ShopperEvent> {

    public static final ShopperEventTypeInfo INSTANCE = new ShopperEventTypeInfo();
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<ShopperEvent> getTypeClass() {
        return ShopperEvent.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<ShopperEvent> createSerializer(SerializerConfig config) {
        return ShopperEventSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "ShopperEvent";
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof ShopperEventTypeInfo;
    }

    @Override
    public int hashCode() {
        return ShopperEventTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof ShopperEventTypeInfo;
    }
}
