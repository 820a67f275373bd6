package dev.flywheel.jobs.state;

import dev.flywheel.events.Decoded;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.jobs.events.ShopperEventTypeInfo;
import dev.flywheel.simulator.ReplayRecord;
import dev.flywheel.simulator.TaobaoReplay;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.types.Either;

/**
 * A history file as events, in the file's order: contract JSON lines (what the clickstream topic
 * carries) or the Taobao UserBehavior CSV, mapped by the simulator's {@link TaobaoReplay} exactly
 * as a replay into Kafka maps it. A line that is not an event comes out as a one-line reason
 * ({@code Left}) instead, so it is counted, not silently dropped.
 *
 * <p>Not splittable on purpose: one reader per file keeps each user's events in file order, which
 * is the order the streaming job would have applied them in.
 */
public final class HistoryFormat extends SimpleStreamFormat<Either<String, ShopperEvent>> {
    private static final long serialVersionUID = 1L;

    public static final TypeInformation<Either<String, ShopperEvent>> PARSED =
            new EitherTypeInfo<>(Types.STRING, ShopperEventTypeInfo.INSTANCE);

    /** How a history file is written. */
    public enum Kind {
        /** One contract event per line, as JSON (docs/events.md). */
        JSON,
        /** {@code user_id,item_id,category_id,behavior,ts_seconds}, Alibaba's UserBehavior. */
        TAOBAO;

        /** {@code .csv} files are Taobao CSV, anything else JSON lines. */
        public static Kind of(String fileName) {
            return fileName.toLowerCase(Locale.ROOT).endsWith(".csv") ? TAOBAO : JSON;
        }
    }

    private final Kind kind;

    public HistoryFormat(Kind kind) {
        this.kind = kind;
    }

    @Override
    public Reader<Either<String, ShopperEvent>> createReader(Configuration config, FSDataInputStream stream) {
        return kind == Kind.TAOBAO ? new TaobaoReader(stream) : new JsonLinesReader(stream);
    }

    @Override
    public TypeInformation<Either<String, ShopperEvent>> getProducedType() {
        return PARSED;
    }

    private static final class JsonLinesReader implements Reader<Either<String, ShopperEvent>> {
        private final InputStream in;
        private final EventCodec codec = new EventCodec();
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(512);
        private long lineNumber;

        JsonLinesReader(InputStream in) {
            this.in = new BufferedInputStream(in, 1 << 16);
        }

        @Override
        public Either<String, ShopperEvent> read() throws IOException {
            while (true) {
                line.reset();
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                while (b >= 0 && b != '\n') {
                    line.write(b);
                    b = in.read();
                }
                lineNumber++;
                byte[] raw = line.toByteArray();
                int length = raw.length > 0 && raw[raw.length - 1] == '\r' ? raw.length - 1 : raw.length;
                if (length == 0) {
                    continue;
                }
                byte[] bytes = length == raw.length ? raw : Arrays.copyOf(raw, length);
                Decoded decoded = codec.decode(bytes);
                if (decoded instanceof Decoded.Accepted accepted) {
                    return Either.Right(accepted.event());
                }
                Decoded.Rejected rejected = (Decoded.Rejected) decoded;
                return Either.Left("line " + lineNumber + ": " + rejected.reason().name().toLowerCase(Locale.ROOT)
                        + " (" + rejected.detail() + ")");
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static final class TaobaoReader implements Reader<Either<String, ShopperEvent>> {
        private final TaobaoReplay replay;

        TaobaoReader(InputStream in) {
            this.replay = new TaobaoReplay(in);
        }

        @Override
        public Either<String, ShopperEvent> read() {
            if (!replay.hasNext()) {
                return null;
            }
            ReplayRecord record = replay.next();
            if (record instanceof ReplayRecord.Mapped mapped) {
                return Either.Right(mapped.event());
            }
            ReplayRecord.Unmapped unmapped = (ReplayRecord.Unmapped) record;
            return Either.Left("line " + unmapped.rowNumber() + ": " + unmapped.reason());
        }

        @Override
        public void close() {
            replay.close();
        }
    }
}
