package dev.flywheel.registry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.models.ModelJson;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.store.InMemoryModelStore;
import dev.flywheel.registry.testing.Descriptors;
import dev.flywheel.registry.testing.TestRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryCommandTest {
    @TempDir
    static Path dir;
    private RegistryService service;

    record Run(int status, String out, String err) {
    }

    @BeforeAll
    void start() {
        service = TestRegistry.start(new InMemoryModelStore(), null);
    }

    @AfterAll
    void stop() {
        service.close();
    }

    private Run run(String token, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (args.length > 0 && !args[0].startsWith("-")) {
            all.addAll(List.of("--url", service.url()));
            if (token != null) {
                all.addAll(List.of("--token", token));
            }
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = RegistryCommand.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    private Path modelFile(int seed) throws Exception {
        return Files.write(dir.resolve("model-" + seed + ".onnx"), Descriptors.goodModel(seed));
    }

    /** A descriptor as a person writes it: no sha256, no version. */
    private Path descriptorFile() throws Exception {
        String json = new String(ModelJson.encode(Descriptors.forArtifact(new byte[] {1})))
                .replaceFirst("\"sha256\":\"[0-9a-f]+\",", "").replaceFirst("\"version\":0,", "");
        return Files.writeString(dir.resolve("descriptor.json"), json);
    }

    @Test
    void registerListShowPromoteAndRollBack() throws Exception {
        String e = TestRegistry.EDITOR_TOKEN;
        String m = Descriptors.MODEL;
        for (int seed = 1; seed <= 2; seed++) {
            Run registered = run(e, "register", "--model", modelFile(seed).toString(), "--descriptor", descriptorFile().toString());
            assertThat(registered.status()).as(registered.err()).isZero();
            assertThat(registered.out().strip()).isEqualTo(m + "/" + seed + " READY");
        }
        assertThat(run(TestRegistry.READER_TOKEN, "list").out().strip()).isEqualTo(m);
        assertThat(run(TestRegistry.READER_TOKEN, "list", m).out().lines()).hasSize(2).allMatch(l -> l.contains("READY"));

        Run promoted = run(e, "promote", m, "2");
        assertThat(promoted.status()).isZero();
        assertThat(promoted.out().strip()).isEqualTo(m + " revision 3: champion=2 (1.000)");

        Run shown = run(TestRegistry.READER_TOKEN, "show", m);
        assertThat(shown.out()).startsWith(m + " champion=2 challenger=0").contains("history=[1]");
        assertThat(run(TestRegistry.READER_TOKEN, "show", m, "1").out()).contains("\"status\" : \"READY\"");

        Run rolledBack = run(e, "rollback", m);
        assertThat(rolledBack.out().strip()).isEqualTo(m + " revision 4: champion=1 (1.000)");
    }

    @Test
    void badInputAndRefusalsAreOneLineWithNonZeroStatus() throws Exception {
        List<Run> badInput = List.of(
                run(TestRegistry.EDITOR_TOKEN, "promote"),
                run(TestRegistry.EDITOR_TOKEN, "promote", "m", "not-a-number"),
                run(TestRegistry.EDITOR_TOKEN, "frobnicate"),
                run(TestRegistry.EDITOR_TOKEN, "show", "../etc"),
                run(TestRegistry.EDITOR_TOKEN, "register", "--model", dir.resolve("missing.onnx").toString(),
                        "--descriptor", descriptorFile().toString()),
                run(null, "list"));
        for (Run r : badInput) {
            assertThat(r.status()).as(r.err()).isEqualTo(RegistryCommand.BAD_INPUT);
            assertThat(r.err().strip().lines()).as(r.err()).hasSize(1).allMatch(l -> l.startsWith("error: "));
        }
        Path junk = Files.write(dir.resolve("junk.onnx"), new byte[] {1, 2, 3});
        List<Run> refused = List.of(
                run(TestRegistry.READER_TOKEN, "rollback", Descriptors.MODEL),
                run(TestRegistry.EDITOR_TOKEN, "show", "no-such-model"),
                run("wrong-token", "list"),
                run(TestRegistry.EDITOR_TOKEN, "register", "--model", junk.toString(), "--descriptor", descriptorFile().toString()));
        for (Run r : refused) {
            assertThat(r.status()).as(r.err()).isEqualTo(RegistryCommand.REFUSED);
            assertThat(r.err().strip().lines()).as(r.err()).hasSize(1).allMatch(l -> l.startsWith("error: "));
        }
        assertThat(refused.get(0).err()).contains("FORBIDDEN");
        assertThat(refused.get(3).err()).contains("rejected: INVALID_ONNX");
    }
}
