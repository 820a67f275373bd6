package dev.flywheel.simulator;

import java.util.Iterator;

/** Wire records that count what they produced, so a test can compare a pipeline's counts with the source's. */
public interface RecordStream extends Iterator<KeyedRecord> {

    /** What has been produced so far; final once {@link #hasNext()} is false. */
    RecordCounts counts();
}
