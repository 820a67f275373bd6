package dev.flywheel.simulator;

import dev.flywheel.events.EventCodec;
import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Replays Alibaba's public UserBehavior CSV ({@code user_id,item_id,category_id,behavior,ts_seconds},
 * no header, rows in time order) as contract events: pv is a view, cart an add-to-cart of one, fav an
 * add-to-wishlist, buy a one-item purchase with order id {@code tb-<user>-<ts>-<item>}. Event ids are
 * {@code tb-<row>}; sessions are cut per user after more than 30 minutes without a row. The data has
 * no prices, so {@code price} is null.
 *
 * <p>A row that cannot be mapped is yielded as {@link ReplayRecord.Unmapped} with its exact bytes, so
 * the job downstream dead-letters it: nothing in the file is silently dropped. Empty lines are not rows.
 */
public final class TaobaoReplay implements Iterator<ReplayRecord>, Closeable {
    public static final String WRONG_COLUMN_COUNT = "wrong_column_count";
    public static final String NOT_A_NUMBER = "not_a_number";
    public static final String UNKNOWN_BEHAVIOR = "unknown_behavior";

    private static final long SESSION_GAP_MS = 30 * 60_000L;

    private final InputStream in;
    private final Map<String, UserSessions> sessions = new HashMap<>();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(64);
    private long lineNumber;
    private ReplayRecord next;
    private boolean exhausted;

    public TaobaoReplay(InputStream in) {
        this.in = new BufferedInputStream(in, 1 << 16);
    }

    public static TaobaoReplay open(Path file) {
        try {
            return new TaobaoReplay(Files.newInputStream(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    private static final class UserSessions {
        long lastTs;
        int count;
    }

    @Override
    public boolean hasNext() {
        while (next == null && !exhausted) {
            byte[] raw = readLine();
            if (raw == null) {
                exhausted = true;
            } else if (raw.length > 0) {
                next = map(lineNumber, raw);
            }
        }
        return next != null;
    }

    @Override
    public ReplayRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ReplayRecord record = next;
        next = null;
        return record;
    }

    /**
     * The replay as wire records: events as JSON keyed by user, unmapped rows as their raw bytes keyed
     * by their first column, counted per event type and per unmapped reason.
     */
    public RecordStream records(EventCodec codec) {
        return new RecordStream() {
            private final RecordCounts.Counter counts = new RecordCounts.Counter();
            private long lastEventTime;

            @Override
            public RecordCounts counts() {
                return counts.snapshot();
            }

            @Override
            public boolean hasNext() {
                return TaobaoReplay.this.hasNext();
            }

            @Override
            public KeyedRecord next() {
                ReplayRecord record = TaobaoReplay.this.next();
                if (record instanceof ReplayRecord.Mapped mapped) {
                    ShopperEvent event = mapped.event();
                    lastEventTime = event.ts();
                    counts.valid(event.type());
                    return new KeyedRecord(event.userId(), codec.encode(event), event.ts(), false);
                }
                ReplayRecord.Unmapped unmapped = (ReplayRecord.Unmapped) record;
                counts.malformed(unmapped.reason());
                String text = new String(unmapped.raw(), StandardCharsets.UTF_8);
                String key = text.contains(",") ? text.substring(0, text.indexOf(',')) : null;
                return new KeyedRecord(key, unmapped.raw(), lastEventTime, true);
            }
        };
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next line's bytes without its terminator (LF or CRLF), or null at the end of the input. */
    private byte[] readLine() {
        line.reset();
        try {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            while (b >= 0 && b != '\n') {
                line.write(b);
                b = in.read();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        lineNumber++;
        byte[] raw = line.toByteArray();
        if (raw.length > 0 && raw[raw.length - 1] == '\r') {
            return Arrays.copyOf(raw, raw.length - 1);
        }
        return raw;
    }

    private ReplayRecord map(long row, byte[] raw) {
        String[] columns = new String(raw, StandardCharsets.UTF_8).split(",", -1);
        if (columns.length != 5) {
            return new ReplayRecord.Unmapped(row, raw, WRONG_COLUMN_COUNT);
        }
        String user = columns[0];
        String item = columns[1];
        String category = columns[2];
        String behavior = columns[3];
        // Seconds beyond 12 digits would overflow as milliseconds (and are not real times).
        if (!isDigits(user) || !isDigits(item) || !isDigits(category) || !isDigits(columns[4])
                || columns[4].length() > 12) {
            return new ReplayRecord.Unmapped(row, raw, NOT_A_NUMBER);
        }
        long tsSeconds = Long.parseLong(columns[4]);
        long ts = tsSeconds * 1000;
        if (!behavior.equals("pv") && !behavior.equals("cart") && !behavior.equals("fav") && !behavior.equals("buy")) {
            return new ReplayRecord.Unmapped(row, raw, UNKNOWN_BEHAVIOR);
        }
        EventHeader header = new EventHeader("tb-" + row, ts, user, sessionOf(user, ts));
        ShopperEvent event = switch (behavior) {
            case "pv" -> new ShopperEvent.View(header, item, category, null);
            case "cart" -> new ShopperEvent.AddToCart(header, item, category, null, 1);
            case "fav" -> new ShopperEvent.AddToWishlist(header, item, category, null);
            default -> new ShopperEvent.Purchase(
                    header, "tb-" + user + "-" + tsSeconds + "-" + item, item, category, null, 1);
        };
        return new ReplayRecord.Mapped(row, event);
    }

    /** {@code <user>-<n>}, n counting from 1; a new session after more than 30 minutes of silence. */
    private String sessionOf(String user, long ts) {
        UserSessions state = sessions.computeIfAbsent(user, u -> new UserSessions());
        if (state.count == 0 || ts - state.lastTs > SESSION_GAP_MS) {
            state.count++;
        }
        state.lastTs = Math.max(state.lastTs, ts);
        return user + "-" + state.count;
    }

    private static boolean isDigits(String text) {
        if (text.isEmpty() || text.length() > 18) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
