package dev.flywheel.simulator;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Writes each record's value followed by a newline. Keys are not written: the user id is in the JSON.
 * A malformed record that itself contains a newline spans two lines; a line-based reader will see it
 * as two bad records.
 */
public final class JsonLinesSink implements RecordSink {
    private final OutputStream out;
    private final boolean closeUnderlying;

    public JsonLinesSink(OutputStream out, boolean closeUnderlying) {
        this.out = new BufferedOutputStream(out, 1 << 16);
        this.closeUnderlying = closeUnderlying;
    }

    /** A file, or standard output for {@code "-"}. */
    public static JsonLinesSink open(String path) {
        if (path.equals("-")) {
            return new JsonLinesSink(System.out, false);
        }
        try {
            return new JsonLinesSink(new FileOutputStream(path), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void send(KeyedRecord record) {
        try {
            out.write(record.value());
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        flush();
        if (closeUnderlying) {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
