package dev.flywheel.jobs.events;

import dev.flywheel.events.EventHeader;
import dev.flywheel.events.EventType;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.ShopperEvent.AddToCart;
import dev.flywheel.events.ShopperEvent.AddToWishlist;
import dev.flywheel.events.ShopperEvent.Click;
import dev.flywheel.events.ShopperEvent.Purchase;
import dev.flywheel.events.ShopperEvent.RemoveFromCart;
import dev.flywheel.events.ShopperEvent.Return;
import dev.flywheel.events.ShopperEvent.Search;
import dev.flywheel.events.ShopperEvent.View;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Flink's binary form of a {@link ShopperEvent}: a type tag, the header, then the type's own fields.
 *
 * <p>The events are a sealed interface of records, which Flink's POJO analysis cannot handle, and
 * Kryo is switched off in every Flywheel job. This hand-written form is also several times smaller
 * and faster than either. The tag is {@link EventType#ordinal()}: new event types are appended to
 * the enum, never inserted. A change of layout needs a new snapshot class that can still read
 * the old layout, or savepoints taken before it stop restoring.
 */
public final class ShopperEventSerializer extends TypeSerializerSingleton<ShopperEvent> {

    public static final ShopperEventSerializer INSTANCE = new ShopperEventSerializer();
    private static final long serialVersionUID = 1L;
    private static final EventType[] TYPES = EventType.values();

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public ShopperEvent createInstance() {
        return null;
    }

    @Override
    public ShopperEvent copy(ShopperEvent from) {
        return from; // records of immutable values
    }

    @Override
    public ShopperEvent copy(ShopperEvent from, ShopperEvent reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(ShopperEvent event, DataOutputView out) throws IOException {
        out.writeByte(event.type().ordinal());
        EventHeader header = event.header();
        StringValue.writeString(header.eventId(), out);
        out.writeLong(header.ts());
        StringValue.writeString(header.userId(), out);
        StringValue.writeString(header.sessionId(), out);
        StringValue.writeString(header.extras(), out);
        // Java 17 has no pattern switch; the chain is exhaustive over the sealed interface.
        if (event instanceof View v) {
            writeItem(v.itemId(), v.category(), v.price(), out);
        } else if (event instanceof Click c) {
            writeItem(c.itemId(), c.category(), c.price(), out);
            StringValue.writeString(c.requestId(), out);
        } else if (event instanceof AddToCart a) {
            writeItem(a.itemId(), a.category(), a.price(), out);
            out.writeInt(a.quantity());
        } else if (event instanceof RemoveFromCart r) {
            writeItem(r.itemId(), r.category(), r.price(), out);
            out.writeInt(r.quantity());
        } else if (event instanceof AddToWishlist w) {
            writeItem(w.itemId(), w.category(), w.price(), out);
        } else if (event instanceof Purchase p) {
            StringValue.writeString(p.orderId(), out);
            writeItem(p.itemId(), p.category(), p.price(), out);
            out.writeInt(p.quantity());
        } else if (event instanceof Return r) {
            StringValue.writeString(r.orderId(), out);
            writeItem(r.itemId(), r.category(), r.price(), out);
            out.writeInt(r.quantity());
        } else if (event instanceof Search s) {
            StringValue.writeString(s.query(), out);
            StringValue.writeString(s.requestId(), out);
            out.writeInt(s.results().size());
            for (String item : s.results()) {
                StringValue.writeString(item, out);
            }
        } else {
            throw new IllegalStateException("unhandled event type " + event.type());
        }
    }

    @Override
    public ShopperEvent deserialize(DataInputView in) throws IOException {
        EventType type = TYPES[in.readByte()];
        EventHeader header = new EventHeader(
                StringValue.readString(in),
                in.readLong(),
                StringValue.readString(in),
                StringValue.readString(in),
                StringValue.readString(in));
        return switch (type) {
            case VIEW -> new View(header, StringValue.readString(in), StringValue.readString(in), readPrice(in));
            case CLICK -> new Click(header, StringValue.readString(in), StringValue.readString(in), readPrice(in),
                    StringValue.readString(in));
            case ADD_TO_CART -> new AddToCart(header, StringValue.readString(in), StringValue.readString(in),
                    readPrice(in), in.readInt());
            case REMOVE_FROM_CART -> new RemoveFromCart(header, StringValue.readString(in),
                    StringValue.readString(in), readPrice(in), in.readInt());
            case ADD_TO_WISHLIST -> new AddToWishlist(header, StringValue.readString(in),
                    StringValue.readString(in), readPrice(in));
            case PURCHASE -> new Purchase(header, StringValue.readString(in), StringValue.readString(in),
                    StringValue.readString(in), readPrice(in), in.readInt());
            case RETURN -> new Return(header, StringValue.readString(in), StringValue.readString(in),
                    StringValue.readString(in), readPrice(in), in.readInt());
            case SEARCH -> {
                String query = StringValue.readString(in);
                String requestId = StringValue.readString(in);
                int n = in.readInt();
                List<String> results = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    results.add(StringValue.readString(in));
                }
                yield new Search(header, query, results, requestId);
            }
        };
    }

    @Override
    public ShopperEvent deserialize(ShopperEvent reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<ShopperEvent> snapshotConfiguration() {
        return new Snapshot();
    }

    private static void writeItem(String itemId, String category, Double price, DataOutputView out)
            throws IOException {
        StringValue.writeString(itemId, out);
        StringValue.writeString(category, out);
        out.writeBoolean(price != null);
        if (price != null) {
            out.writeDouble(price);
        }
    }

    private static Double readPrice(DataInputView in) throws IOException {
        return in.readBoolean() ? in.readDouble() : null;
    }

    /** Restores the serializer from savepoints. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ShopperEvent> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
