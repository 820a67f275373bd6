package dev.flywheel.registry.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The two bearer tokens the registry accepts, and the rules a production token must meet.
 *
 * <p>Outside local mode the service refuses to start with a missing, short, well-known or shared
 * token: a registry decides what every job serves, so an open one is a remote-control for
 * production traffic. Local mode (an explicit flag) fills in {@link #LOCAL_EDITOR} and
 * {@link #LOCAL_READER} for what is not given.
 */
public final class Credentials {
    public static final String LOCAL_EDITOR = "local-editor-token";
    public static final String LOCAL_READER = "local-reader-token";
    public static final int MIN_LENGTH = 16;
    /** Values that turn up in sample configs and tutorials; a token equal to one of these is no secret. */
    static final Set<String> WELL_KNOWN = Set.of("changeme", "change-me", "secret", "password", "admin", "token",
            "editor", "reader", "default", "test", "registry", "flywheel", LOCAL_EDITOR, LOCAL_READER);

    private final byte[] editor;
    private final byte[] reader;

    private Credentials(String editor, String reader) {
        this.editor = editor.getBytes(StandardCharsets.UTF_8);
        this.reader = reader.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @throws IllegalStateException outside local mode, when a token is empty, short, well known or shared
     */
    public static Credentials of(String editorToken, String readerToken, boolean localMode) {
        if (localMode) {
            return new Credentials(blank(editorToken) ? LOCAL_EDITOR : editorToken, blank(readerToken) ? LOCAL_READER : readerToken);
        }
        requireStrong(editorToken, "editor");
        requireStrong(readerToken, "reader");
        if (editorToken.equals(readerToken)) {
            throw new IllegalStateException("refusing to start: the editor and reader tokens are the same");
        }
        return new Credentials(editorToken, readerToken);
    }

    /** The role of an {@code Authorization} header value, if it carries a known bearer token. */
    public Optional<Role> authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        byte[] presented = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        // Both comparisons always run, in constant time, so timing does not tell which token is close.
        boolean isEditor = MessageDigest.isEqual(presented, editor);
        boolean isReader = MessageDigest.isEqual(presented, reader);
        return isEditor ? Optional.of(Role.EDITOR) : isReader ? Optional.of(Role.READER) : Optional.empty();
    }

    private static void requireStrong(String token, String role) {
        if (blank(token)) {
            throw new IllegalStateException("refusing to start: no " + role + " token (set FLYWHEEL_REGISTRY_"
                    + role.toUpperCase(Locale.ROOT) + "_TOKEN, or run with --local)");
        }
        if (WELL_KNOWN.contains(token.strip().toLowerCase(Locale.ROOT))) {
            throw new IllegalStateException("refusing to start: the " + role + " token is a well-known default");
        }
        if (token.strip().length() < MIN_LENGTH) {
            throw new IllegalStateException("refusing to start: the " + role + " token is shorter than " + MIN_LENGTH + " characters");
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
