package dev.flywheel.jobs.features;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.jobs.events.ShopperEventTypeInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * A keyed stage that applies each key's events in {@link OfflineFeatureReplay#EVENT_ORDER}: an
 * event waits until the watermark passes its time, and when it does, every event it passed is
 * applied in that order. Events of one key arrive from many partitions and upstream subtasks in no
 * fixed order; applying them in arrival order would make features depend on network timing, and
 * this order is what makes the job's vectors equal the offline replay's.
 *
 * <p>Why an operator and not a {@code KeyedProcessFunction}: a function can only wait for the
 * watermark through one keyed timer and one state write per event, and those were most of the
 * feature stage's cost. Here waiting events sit in one in-memory queue per subtask, ordered by
 * time (arrivals are nearly in order, so most inserts stop at once), and a watermark takes what it
 * passed off the front. Per event that leaves one read and one write of the key's own state. The
 * queue is written to keyed state (under each event's key, so it follows its key group when the
 * job is rescaled) only when a checkpoint is taken, and read back on restore.
 *
 * <p>Memory: the queue holds what arrived ahead of the watermark, about rate x (out-of-orderness
 * bound + watermark interval); {@code eventsBuffered} shows it. An input whose watermark stops
 * (a partition without data and no idleness timeout) makes it grow without bound on the heap,
 * whatever the state backend.
 *
 * <p>An event already behind the watermark on arrival is <b>late</b>: counted in
 * {@code eventsLate}, sent to {@link #LATE_EVENTS}, never applied. Subclasses keep their state in
 * keyed state and may set one wake-up timer per key, to free state once it has expired.
 */
public abstract class EventTimeOrderedOperator<IN, OUT> extends AbstractStreamOperator<OUT>
        implements OneInputStreamOperator<IN, OUT>, Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 1L;

    /** Events that arrived behind the watermark; they get no features. */
    public static final OutputTag<ShopperEvent> LATE_EVENTS = new OutputTag<>("late-events", ShopperEventTypeInfo.INSTANCE);

    private static final String BUFFER_STATE = "buffered-events";

    private final TypeInformation<IN> inputType;

    /** Waiting events by time: arrivals are nearly in time order, so most inserts stop at once. */
    private transient PriorityQueue<Waiting<IN>> buffer;
    /** The events a watermark passed, in the order they are applied. */
    private transient List<Waiting<IN>> due;
    /** Keys whose buffer state holds the events of the last checkpoint, to clear before the next. */
    private transient Set<String> keysInBufferState;
    private transient ListState<IN> bufferState;
    private transient InternalTimerService<VoidNamespace> wakeUps;
    private transient StreamRecord<OUT> reusable;
    private transient Counter late;

    EventTimeOrderedOperator(TypeInformation<IN> inputType) {
        this.inputType = inputType;
    }

    /** The shopper event a record is about. */
    protected abstract ShopperEvent eventOf(IN record);

    /** Applies one event whose time the watermark has passed; the current key is its key. */
    protected abstract void apply(IN record) throws Exception;

    /** A wake-up timer of the current key fired at {@code timestamp}. */
    protected abstract void wakeUp(long timestamp) throws Exception;

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        buffer = new PriorityQueue<>(Comparator.comparingLong(Waiting::ts));
        due = new ArrayList<>();
        keysInBufferState = new HashSet<>();
        bufferState = context.getKeyedStateStore().getListState(new ListStateDescriptor<>(BUFFER_STATE, inputType));
        if (context.isRestored()) {
            List<String> keys;
            try (Stream<String> stored = this.<String>getKeyedStateBackend().getKeys(BUFFER_STATE, VoidNamespace.INSTANCE)) {
                keys = stored.toList();
            }
            for (String key : keys) {
                setCurrentKey(key);
                for (IN record : bufferState.get()) {
                    buffer.add(new Waiting<>(key, eventOf(record).ts(), record));
                }
                bufferState.clear(); // from now on the events live in the queue
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        wakeUps = getInternalTimerService("wake-ups", VoidNamespaceSerializer.INSTANCE, this);
        reusable = new StreamRecord<>(null);
        late = getMetricGroup().counter("eventsLate");
        getMetricGroup().gauge("eventsBuffered", () -> buffer.size());
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        IN record = element.getValue();
        ShopperEvent event = eventOf(record);
        if (event.ts() <= wakeUps.currentWatermark()) {
            late.inc();
            output.collect(LATE_EVENTS, new StreamRecord<>(event, event.ts()));
            return;
        }
        buffer.add(new Waiting<>((String) getCurrentKey(), event.ts(), record));
    }

    /** Applies the events the watermark passed, then fires wake-ups and forwards the watermark. */
    @Override
    public void processWatermark(Watermark mark) throws Exception {
        release(mark.getTimestamp());
        super.processWatermark(mark);
    }

    private void release(long watermark) throws Exception {
        while (!buffer.isEmpty() && buffer.peek().ts() <= watermark) {
            due.add(buffer.poll());
        }
        sortTies(due);
        for (Waiting<IN> waiting : due) {
            setCurrentKey(waiting.key());
            apply(waiting.record());
        }
        due.clear();
    }

    /** The queue gives time order; events of the same millisecond are put in {@code EVENT_ORDER} too. */
    private void sortTies(List<Waiting<IN>> events) {
        int start = 0;
        while (start < events.size()) {
            int end = start + 1;
            while (end < events.size() && events.get(end).ts() == events.get(start).ts()) {
                end++;
            }
            if (end - start > 1) {
                events.subList(start, end).sort(this::inEventOrder);
            }
            start = end;
        }
    }

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        wakeUp(timer.getTimestamp());
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {
        throw new IllegalStateException("feature stages set no processing-time timers");
    }

    /**
     * Writes the waiting events into keyed state under their keys just before the state backend
     * snapshots it, after clearing what the previous checkpoint wrote. Between checkpoints that
     * state is stale and never read; a key's list stays until the next checkpoint even if the key
     * expires in between.
     */
    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        for (String key : keysInBufferState) {
            setCurrentKey(key);
            bufferState.clear();
        }
        keysInBufferState.clear();
        for (Waiting<IN> waiting : buffer) {
            setCurrentKey(waiting.key());
            bufferState.add(waiting.record());
            keysInBufferState.add(waiting.key());
        }
    }

    /** Emits a record stamped with the event's time. */
    protected final void emit(OUT value, long eventTime) {
        output.collect(reusable.replace(value, eventTime));
    }

    protected final void setWakeUp(long timestamp) {
        wakeUps.registerEventTimeTimer(VoidNamespace.INSTANCE, timestamp);
    }

    protected final void deleteWakeUp(long timestamp) {
        wakeUps.deleteEventTimeTimer(VoidNamespace.INSTANCE, timestamp);
    }

    private int inEventOrder(Waiting<IN> a, Waiting<IN> b) {
        return OfflineFeatureReplay.EVENT_ORDER.compare(eventOf(a.record()), eventOf(b.record()));
    }

    private record Waiting<IN>(String key, long ts, IN record) {
    }
}
