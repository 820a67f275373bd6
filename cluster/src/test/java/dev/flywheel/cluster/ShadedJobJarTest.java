package dev.flywheel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shaded jobs jar holds only what a Flink cluster lacks: no Flink class but the Kafka
 * connector's, nothing of the cluster's own class path, native libraries for Linux x86-64 only,
 * and it fits Flink's 100 MiB REST upload with room to spare.
 */
class ShadedJobJarTest {
    /** Flink's default rest.server.max-content-length (104,857,600 bytes). */
    private static final long FLINK_UPLOAD_LIMIT = 100L * 1024 * 1024;
    /** Headroom for growth: a jar near the limit fails the first upload after a dependency bump. */
    private static final long SIZE_BUDGET = 64L * 1024 * 1024;
    /** ELF's e_machine for x86-64. */
    private static final int EM_X86_64 = 62;

    private static Path jar;
    private static List<String> entries;

    @BeforeAll
    static void open() throws IOException {
        jar = Path.of(System.getProperty("flywheel.jobs.jar"));
        entries = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            zip.stream().map(ZipEntry::getName).forEach(entries::add);
        }
    }

    @Test
    void fitsFlinksUploadLimitWithRoomToSpare() throws IOException {
        long size = Files.size(jar);
        System.out.printf("shaded jobs jar: %,d bytes (%.1f MiB), %,d entries%n", size, size / 1048576.0, entries.size());
        assertThat(size).isLessThan(FLINK_UPLOAD_LIMIT).isLessThan(SIZE_BUDGET);
    }

    @Test
    void holdsTheJobsTheKafkaConnectorAndTheStateProcessorApiButNoOtherFlinkClass() throws IOException {
        assertThat(entries).contains("dev/flywheel/jobs/scoring/ScoringJob.class",
                "dev/flywheel/jobs/analytics/AnalyticsJob.class", "dev/flywheel/jobs/monitor/MonitorJob.class",
                "dev/flywheel/jobs/searchoutcomes/SearchOutcomesJob.class",
                "org/apache/flink/connector/kafka/source/KafkaSource.class",
                "org/apache/kafka/clients/consumer/KafkaConsumer.class");
        // Neither is part of a Flink distribution's lib/: the Kafka connector for every job, the
        // State Processor API for the bootstrap and export jobs (docs/state.md).
        Set<String> bundled = new HashSet<>(entriesOfJarHolding("org/apache/flink/connector/kafka/source/KafkaSource.class"));
        bundled.addAll(entriesOfJarHolding("org/apache/flink/state/api/SavepointWriter.class"));
        assertThat(entries).contains("dev/flywheel/jobs/state/BootstrapJob.class", "dev/flywheel/jobs/state/ExportJob.class",
                "org/apache/flink/state/api/SavepointWriter.class");
        List<String> foreignFlink = entries.stream()
                .filter(e -> e.startsWith("org/apache/flink/") && e.endsWith(".class") && !bundled.contains(e))
                .toList();
        assertThat(foreignFlink).as("Flink classes not from flink-connector-kafka or flink-state-processor-api").isEmpty();
        // The cluster brings its own logging; a second binding in the job would fight it.
        assertThat(entries).noneMatch(e -> e.startsWith("org/slf4j/") || e.startsWith("org/apache/logging/log4j/"));
    }

    @Test
    void holdsNothingOfTheClustersFlinkJars() throws IOException {
        // The cluster's class path as the end-to-end test runs it: flink-dist's jars from Maven Central.
        Set<String> shaded = new HashSet<>(entries);
        List<String> duplicated = new ArrayList<>();
        try (var lib = Files.list(Path.of(System.getProperty("flywheel.cluster.lib")))) {
            for (Path clusterJar : lib.filter(p -> p.getFileName().toString().startsWith("flink-")).toList()) {
                try (ZipFile zip = new ZipFile(clusterJar.toFile())) {
                    zip.stream().map(ZipEntry::getName)
                            .filter(name -> name.endsWith(".class") && !name.startsWith("META-INF/")
                                    && shaded.contains(name))
                            .limit(3).forEach(name -> duplicated.add(clusterJar.getFileName() + ": " + name));
                }
            }
        }
        assertThat(duplicated).as("classes the cluster already has").isEmpty();
    }

    @Test
    void nativeLibrariesAreForLinuxX8664Only() throws IOException {
        assertThat(entries).contains("ai/onnxruntime/native/linux-x64/libonnxruntime.so",
                "ai/onnxruntime/native/linux-x64/libonnxruntime4j_jni.so");
        List<String> natives = entries.stream().filter(ShadedJobJarTest::looksNative).toList();
        List<String> foreign = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (String name : natives) {
                if (!isElfX8664(zip, zip.getEntry(name))) {
                    foreign.add(name);
                }
            }
        }
        System.out.printf("native libraries in the shaded jar: %s%n", natives);
        assertThat(foreign).as("native libraries that are not x86-64 ELF objects").isEmpty();
        assertThat(entries).noneMatch(e -> e.startsWith("ai/onnxruntime/native/") && !e.endsWith("/")
                && !e.startsWith("ai/onnxruntime/native/linux-x64/"));
    }

    private static boolean looksNative(String name) {
        return name.endsWith(".so") || name.endsWith(".dll") || name.endsWith(".dylib") || name.endsWith(".jnilib")
                || name.endsWith(".a") || name.matches(".*\\.so\\.[0-9.]+");
    }

    /** Reads the ELF header: magic, 64-bit class, and e_machine (little-endian, at byte 18). */
    private static boolean isElfX8664(ZipFile zip, ZipEntry entry) throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] header = in.readNBytes(20);
            return header.length == 20 && header[0] == 0x7f && header[1] == 'E' && header[2] == 'L' && header[3] == 'F'
                    && header[4] == 2 && ((header[18] & 0xff) | (header[19] & 0xff) << 8) == EM_X86_64;
        }
    }

    /** The entries of the jar on this test's class path that holds {@code resource}. */
    private static Set<String> entriesOfJarHolding(String resource) throws IOException {
        URL url = ShadedJobJarTest.class.getClassLoader().getResource(resource);
        assertThat(url).as(resource + " on the test class path").isNotNull();
        JarURLConnection connection = (JarURLConnection) url.openConnection();
        connection.setUseCaches(false);
        Set<String> names = new HashSet<>();
        try (JarFile connectorJar = connection.getJarFile()) {
            connectorJar.stream().map(ZipEntry::getName).forEach(names::add);
        }
        return names;
    }
}
