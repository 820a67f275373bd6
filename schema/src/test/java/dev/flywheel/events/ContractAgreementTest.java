package dev.flywheel.events;

import static dev.flywheel.events.EventSamples.CLOCK;
import static dev.flywheel.events.EventSamples.TS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.flywheel.events.EventSamples.Payload;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The codec and {@code schemas/shopper-event.schema.json} state one contract twice; this test keeps
 * them saying the same thing over a corpus of files. {@code corpus/valid/*.json} must pass both;
 * {@code corpus/invalid/<reason_code>--<what>.json} must fail both, the codec with that reason.
 */
class ContractAgreementTest {
    /**
     * Failures a JSON Schema cannot see, tested in {@link EventCodecTest} only: the bytes never
     * become a JSON document (size, encoding, syntax), a parsed tree has already lost them
     * (duplicate keys, unpaired surrogates), the schema cannot bound extra fields' depth, or the
     * rule depends on the reader's clock.
     */
    static final Set<RejectReason> CODEC_ONLY = EnumSet.of(
            RejectReason.EMPTY_PAYLOAD,
            RejectReason.OVERSIZED_PAYLOAD,
            RejectReason.INVALID_UTF8,
            RejectReason.MALFORMED_JSON,
            RejectReason.TRAILING_CONTENT,
            RejectReason.NESTING_TOO_DEEP,
            RejectReason.DUPLICATE_FIELD,
            RejectReason.UNPAIRED_SURROGATE,
            RejectReason.TIMESTAMP_IN_FUTURE);

    /** Exact numbers, so 1e400 reaches the schema as itself rather than as Infinity. */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();
    private static final JsonSchema SCHEMA = loadSchema("/schemas/shopper-event.schema.json");

    private final EventCodec codec = new EventCodec(CLOCK, EventCodec.DEFAULT_MAX_PAYLOAD_BYTES);

    static Stream<Path> validFiles() {
        return corpus("valid");
    }

    static Stream<Path> invalidFiles() {
        return corpus("invalid");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validFiles")
    void validFilesPassBoth(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);

        assertThat(codec.decode(bytes)).isInstanceOf(Decoded.Accepted.class);
        assertThat(schemaErrors(bytes)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidFiles")
    void invalidFilesFailBothAndTheCodecNamesTheReason(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);

        assertThat(codec.decode(bytes)).isInstanceOfSatisfying(Decoded.Rejected.class,
                rejected -> assertThat(rejected.reason()).isEqualTo(reasonInName(file)));
        assertThat(schemaErrors(bytes)).isNotEmpty();
    }

    @Test
    void everyReasonIsInTheCorpusOrDeclaredCodecOnly() {
        Set<RejectReason> inCorpus = invalidFiles().map(ContractAgreementTest::reasonInName)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(RejectReason.class)));

        assertThat(inCorpus).doesNotContainAnyElementsOf(CODEC_ONLY);
        assertThat(EnumSet.complementOf(EnumSet.copyOf(CODEC_ONLY))).isEqualTo(inCorpus);
    }

    @Test
    void validCorpusHasEveryEventType() {
        Set<EventType> types = validFiles()
                .map(file -> ((Decoded.Accepted) codec.decode(read(file))).event().type())
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(EventType.class)));

        assertThat(types).isEqualTo(EnumSet.allOf(EventType.class));
    }

    /** Pins the gap CODEC_ONLY describes: if the schema learns one of these, move it to the corpus. */
    @Test
    void schemaPassesWhatOnlyTheCodecCanSee() {
        String future = Payload.view().set("ts", Long.toString(TS + 10L * 86_400_000L)).toString();
        String deep = Payload.view().set("deep", "[".repeat(20) + "]".repeat(20)).toString();

        for (String json : List.of(future, deep)) {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            assertThat(codec.decode(bytes)).isInstanceOf(Decoded.Rejected.class);
            assertThat(schemaErrors(bytes)).isEmpty();
        }
    }

    private static Set<ValidationMessage> schemaErrors(byte[] bytes) {
        try {
            return SCHEMA.validate(MAPPER.readTree(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RejectReason reasonInName(Path file) {
        String code = file.getFileName().toString().split("--", 2)[0];
        return Arrays.stream(RejectReason.values()).filter(r -> r.code().equals(code)).findFirst()
                .orElseThrow(() -> new AssertionError("no reason code '" + code + "' for " + file));
    }

    private static Stream<Path> corpus(String folder) {
        try (Stream<Path> files = Files.list(Path.of(ContractAgreementTest.class.getResource("/corpus/" + folder).toURI()))) {
            List<Path> jsonFiles = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
            assertThat(jsonFiles).isNotEmpty();
            return jsonFiles.stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonSchema loadSchema(String resource) {
        try (InputStream in = ContractAgreementTest.class.getResourceAsStream(resource)) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
