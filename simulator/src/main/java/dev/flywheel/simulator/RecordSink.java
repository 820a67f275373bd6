package dev.flywheel.simulator;

/** Where records go: a Kafka topic or a JSON-lines file. */
public interface RecordSink extends AutoCloseable {

    void send(KeyedRecord record);

    /** Returns once everything sent is delivered; fails if any record was not. */
    void flush();

    @Override
    void close();
}
