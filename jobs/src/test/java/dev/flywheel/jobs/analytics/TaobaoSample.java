package dev.flywheel.jobs.analytics;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the real Taobao sample: {@code -Dflywheel.data.dir}, else a {@code shared/data} folder above the working dir. */
final class TaobaoSample {
    static final String FILE = "taobao-user-behavior-110k.csv";

    private TaobaoSample() {
    }

    static Path locate() {
        String dir = System.getProperty("flywheel.data.dir");
        if (dir != null) {
            Path file = Path.of(dir, FILE);
            return Files.isRegularFile(file) ? file : null;
        }
        for (Path at = Path.of("").toAbsolutePath(); at != null; at = at.getParent()) {
            Path file = at.resolve("shared").resolve("data").resolve(FILE);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        return null;
    }
}
