package dev.flywheel.simulator;

import dev.flywheel.events.Decoded;
import dev.flywheel.events.EventCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Event files shaped like real exports: the simulator's traffic (many shoppers interleaved, some
 * malformed records), rewritten so that each user's whole history comes in turn.
 */
final class UserHistoryFiles {
    private UserHistoryFiles() {
    }

    /** The simulator's events in time order, as {@code generate --out} writes them. */
    static Path inTimeOrder(Path dir, int events) {
        Path file = dir.resolve("in-order.jsonl");
        StringWriter err = new StringWriter();
        int exit = SimulatorCli.execute(new String[] {"generate", "--seed", "11", "--users", "300", "--events",
                Integer.toString(events), "--malformed-rate", "0.01", "--out", file.toString()}, new PrintWriter(err, true));
        if (exit != 0) {
            throw new IllegalStateException(err.toString());
        }
        return file;
    }

    /** The same lines, one user's history after another (users in order of first appearance), malformed ones last. */
    static Path byUser(Path inOrder, Path dir) throws IOException {
        EventCodec codec = new EventCodec();
        Map<String, List<byte[]>> byUser = new LinkedHashMap<>();
        List<byte[]> malformed = new ArrayList<>();
        for (byte[] line : lines(inOrder)) {
            if (codec.decode(line) instanceof Decoded.Accepted accepted) {
                byUser.computeIfAbsent(accepted.event().userId(), u -> new ArrayList<>()).add(line);
            } else {
                malformed.add(line);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byUser.values().forEach(history -> history.forEach(line -> append(out, line)));
        malformed.forEach(line -> append(out, line));
        Path file = dir.resolve("by-user.jsonl");
        Files.write(file, out.toByteArray());
        return file;
    }

    /**
     * Non-blank lines as bytes without their line end, the way {@link EventFile} reads them (some
     * malformed records are invalid UTF-8 on purpose).
     */
    static List<byte[]> lines(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= all.length; i++) {
            if (i == all.length || all[i] == '\n') {
                int end = i > start && all[i - 1] == '\r' ? i - 1 : i;
                byte[] line = java.util.Arrays.copyOfRange(all, start, end);
                if (!new String(line, java.nio.charset.StandardCharsets.ISO_8859_1).replace('\t', ' ').isBlank()) {
                    lines.add(line);
                }
                start = i + 1;
            }
        }
        return lines;
    }

    private static void append(ByteArrayOutputStream out, byte[] line) {
        out.writeBytes(line);
        out.write('\n');
    }
}
