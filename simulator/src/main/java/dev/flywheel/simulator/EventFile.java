package dev.flywheel.simulator;

import dev.flywheel.events.Decoded;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.EventType;
import dev.flywheel.events.ShopperEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;

/**
 * A user's own JSON-lines event file (docs/events.md), one event per line, sent as it is: the bytes
 * of each line become one record keyed by its {@code user_id}; lines the codec rejects go along
 * unkeyed, for the jobs to dead-letter with their reason, as any producer's would.
 *
 * <p>Real exports are often written one user's whole history after another. Replayed in file order,
 * every user after the first starts far behind the watermark the earlier users pushed, and the jobs
 * route nearly all of it to {@code clickstream.late} (a 9-day export sent 80% there). So the file is
 * read once to check its order first. In order (no event more than {@code tolerance} before the
 * latest seen so far, the jobs' own out-of-orderness bound), it is streamed from disk whatever its
 * size. Out of order, it is sorted by {@code ts} in memory (stable: equal times keep file order, so
 * each user's events keep theirs) when it holds at most {@code sortLimit} records, and refused with
 * a message that says how to sort it otherwise. Measured: a million simulator events of about 200
 * bytes (a 200 MB file, written in reverse) held 318 MB of heap once sorted, and took 15 s to read
 * and sort on a 2-core machine.
 */
public final class EventFile {
    public static final int DEFAULT_SORT_LIMIT = 1_000_000;
    /** The jobs' default {@code --max-out-of-orderness}: less disorder than this they absorb themselves. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofSeconds(5);

    /**
     * What the first read found.
     *
     * @param records           non-blank lines
     * @param rejected          lines the codec rejects (sent anyway, for the dead-letter topic)
     * @param outOfOrder        events more than the tolerance before the latest event above them
     * @param firstOutOfOrderLine line number (from 1) of the first such event, 0 if none
     * @param largestLagMs      how far the worst one was behind, in event time
     */
    public record Order(long records, long rejected, long outOfOrder, long firstOutOfOrderLine, long largestLagMs) {
        public boolean inOrder() {
            return outOfOrder == 0;
        }

        public String describe() {
            if (inOrder()) {
                return String.format(Locale.ROOT, "%,d records in time order", records);
            }
            return String.format(Locale.ROOT, "%,d records, not in time order: %,d events (%.0f%%) come after a later one,"
                            + " the first at line %,d, the worst %s behind", records, outOfOrder,
                    100.0 * outOfOrder / Math.max(1, records - rejected), firstOutOfOrderLine, span(largestLagMs));
        }

        private static String span(long millis) {
            Duration d = Duration.ofMillis(millis);
            if (d.toDays() > 0) {
                return String.format(Locale.ROOT, "%d d %d h", d.toDays(), d.toHoursPart());
            }
            if (d.toHours() > 0) {
                return String.format(Locale.ROOT, "%d h %d min", d.toHours(), d.toMinutesPart());
            }
            if (d.toMinutes() > 0) {
                return String.format(Locale.ROOT, "%d min %d s", d.toMinutes(), d.toSecondsPart());
            }
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
    }

    /** A file too disordered and too large to sort in memory. */
    public static final class TooLargeToSortException extends IllegalArgumentException {
        TooLargeToSortException(String message) {
            super(message);
        }
    }

    /** The records to send, in time order, and what the check found. */
    public record Opened(RecordStream records, Order order, boolean sorted) {
    }

    private EventFile() {
    }

    public static Opened open(Path file, int sortLimit, Duration tolerance, EventCodec codec) {
        Order order = check(file, tolerance, codec);
        if (order.inOrder()) {
            return new Opened(streamed(file, codec), order, false);
        }
        if (order.records() > sortLimit) {
            throw new TooLargeToSortException(String.format(Locale.ROOT,
                    "%s: %s; it holds more than the %,d records sorted in memory (sort limit), so sort it by ts first,"
                            + " e.g. jq -cs 'sort_by(.ts)[]' %s > sorted.jsonl, or raise the sort limit and the heap"
                            + " (about 320 MB per million records of 200 bytes)", file, order.describe(), sortLimit, file));
        }
        return new Opened(sorted(file, codec), order, true);
    }

    /** Reads the file once, decoding every line, and reports how far it is from time order. */
    public static Order check(Path file, Duration tolerance, EventCodec codec) {
        long toleranceMs = tolerance.toMillis();
        long records = 0;
        long rejected = 0;
        long outOfOrder = 0;
        long firstLine = 0;
        long largestLag = 0;
        long latest = Long.MIN_VALUE;
        long lineNumber = 0;
        try (ByteLines reader = ByteLines.open(file)) {
            for (byte[] text = reader.next(); text != null; text = reader.next()) {
                lineNumber++;
                if (ByteLines.isBlank(text)) {
                    continue;
                }
                records++;
                Line line = Line.of(text, 0, codec, latest);
                if (line.malformed()) {
                    rejected++;
                    continue;
                }
                if (latest != Long.MIN_VALUE && line.eventTimeMs() < latest - toleranceMs) {
                    outOfOrder++;
                    if (firstLine == 0) {
                        firstLine = lineNumber;
                    }
                    largestLag = Math.max(largestLag, latest - line.eventTimeMs());
                }
                latest = Math.max(latest, line.eventTimeMs());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return new Order(records, rejected, outOfOrder, firstLine, largestLag);
    }

    private static RecordStream sorted(Path file, EventCodec codec) {
        List<Line> lines = new ArrayList<>();
        long latest = Long.MIN_VALUE;
        try (ByteLines reader = ByteLines.open(file)) {
            for (byte[] text = reader.next(); text != null; text = reader.next()) {
                if (!ByteLines.isBlank(text)) {
                    // A rejected line sorts with the event before it, the time it would have been sent at.
                    Line line = Line.of(text, lines.size(), codec, latest == Long.MIN_VALUE ? 0 : latest);
                    latest = line.malformed() ? latest : line.eventTimeMs();
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        lines.sort(Comparator.comparingLong(Line::eventTimeMs).thenComparingInt(Line::sequence));
        return counting(lines.iterator());
    }

    private static RecordStream streamed(Path file, EventCodec codec) {
        ByteLines reader;
        try {
            reader = ByteLines.open(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        Iterator<Line> lines = new Iterator<>() {
            private Line next;
            private long latest;
            private boolean closed;

            @Override
            public boolean hasNext() {
                if (next != null) {
                    return true;
                }
                if (closed) {
                    return false;
                }
                try {
                    for (byte[] text = reader.next(); text != null; text = reader.next()) {
                        if (!ByteLines.isBlank(text)) {
                            next = Line.of(text, 0, codec, latest);
                            latest = next.malformed() ? latest : next.eventTimeMs();
                            return true;
                        }
                    }
                    reader.close();
                    closed = true;
                    return false;
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + file, e);
                }
            }

            @Override
            public Line next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Line line = next;
                next = null;
                return line;
            }
        };
        return counting(lines);
    }

    private static RecordStream counting(Iterator<Line> lines) {
        RecordCounts.Counter counts = new RecordCounts.Counter();
        return new RecordStream() {
            @Override
            public RecordCounts counts() {
                return counts.snapshot();
            }

            @Override
            public boolean hasNext() {
                return lines.hasNext();
            }

            @Override
            public KeyedRecord next() {
                Line line = lines.next();
                if (line.malformed()) {
                    counts.malformed(line.rejectReason());
                } else {
                    counts.valid(line.type());
                }
                return new KeyedRecord(line.key(), line.bytes(), line.eventTimeMs(), line.malformed());
            }
        };
    }

    /** One non-blank line, decoded once; only what sending and counting need is kept. */
    private record Line(byte[] bytes, String key, long eventTimeMs, boolean malformed, int sequence, EventType type,
                        String rejectReason) {
        static Line of(byte[] bytes, int sequence, EventCodec codec, long timeIfRejected) {
            Decoded decoded = codec.decode(bytes);
            if (decoded instanceof Decoded.Accepted accepted) {
                ShopperEvent event = accepted.event();
                return new Line(bytes, event.userId(), event.ts(), false, sequence, event.type(), null);
            }
            return new Line(bytes, null, timeIfRejected, true, sequence, null, ((Decoded.Rejected) decoded).reason().name());
        }
    }

    /** Lines as bytes: a file may hold invalid UTF-8, which must reach the dead-letter topic as it is. */
    private static final class ByteLines implements java.io.Closeable {
        private final java.io.InputStream in;

        private ByteLines(java.io.InputStream in) {
            this.in = in;
        }

        static ByteLines open(Path file) throws IOException {
            return new ByteLines(new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16));
        }

        /** The next line without its line end, or null at the end of the file. */
        byte[] next() throws IOException {
            java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(256);
            int b = in.read();
            if (b == -1) {
                return null;
            }
            while (b != -1 && b != '\n') {
                line.write(b);
                b = in.read();
            }
            byte[] bytes = line.toByteArray();
            return bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? java.util.Arrays.copyOf(bytes, bytes.length - 1) : bytes;
        }

        static boolean isBlank(byte[] line) {
            for (byte b : line) {
                if (b != ' ' && b != '\t' && b != '\r') {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
