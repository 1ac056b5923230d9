package dev.scratchgpt.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AcceptedTokensTest {

    @TempDir
    Path dir;

    @Test
    void offWhenNothingIsConfigured() {
        AcceptedTokens tokens = new AcceptedTokens(List.of(" ", ""), null);
        assertFalse(tokens.enabled());
        assertFalse(tokens.accepts(""));
        assertEquals(Optional.empty(), tokens.first());
    }

    @Test
    void acceptsExactlyTheConfiguredTokens() {
        AcceptedTokens tokens = new AcceptedTokens(List.of("alpha", " beta "), null);
        assertTrue(tokens.enabled());
        assertTrue(tokens.accepts("alpha"));
        assertTrue(tokens.accepts("beta"));
        assertFalse(tokens.accepts("alph"));
        assertFalse(tokens.accepts("alphaa"));
        assertFalse(tokens.accepts("ALPHA"));
        assertFalse(tokens.accepts(""));
        assertEquals(Optional.of("alpha"), tokens.first());
    }

    @Test
    void readsTheFileSkippingBlankLinesAndComments() throws IOException {
        Path file = dir.resolve("tokens");
        Files.writeString(file, "# rotated 2026-11-26\n\n  gamma  \ndelta\n");
        AcceptedTokens tokens = new AcceptedTokens(List.of("alpha"), file);
        assertTrue(tokens.accepts("gamma"));
        assertTrue(tokens.accepts("delta"));
        assertTrue(tokens.accepts("alpha"));
        assertFalse(tokens.accepts("# rotated 2026-11-26"));
        assertEquals(List.of("alpha", "gamma", "delta"), tokens.current());
    }

    @Test
    void followsARotatedFileWithoutRestart() throws IOException {
        Path file = dir.resolve("tokens");
        Files.writeString(file, "old-token\n");
        AcceptedTokens tokens = new AcceptedTokens(List.of(), file);
        assertTrue(tokens.accepts("old-token"));
        assertEquals(Optional.of("old-token"), tokens.first());

        // Same length on purpose: the change must be seen even when only the content differs.
        Files.writeString(file, "new-token\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 10_000));

        assertTrue(tokens.accepts("new-token"));
        assertFalse(tokens.accepts("old-token"));
        assertEquals(Optional.of("new-token"), tokens.first());
    }

    @Test
    void followsASecretSwappedByReplacingTheFile() throws IOException {
        // Kubernetes updates a mounted Secret by an atomic swap: a new file, not a rewrite.
        Path file = dir.resolve("tokens");
        Files.writeString(file, "first\n");
        AcceptedTokens tokens = new AcceptedTokens(List.of(), file);
        assertTrue(tokens.accepts("first"));

        Path next = dir.resolve("tokens.next");
        Files.writeString(next, "second\n");
        Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);

        assertTrue(tokens.accepts("second"));
        assertFalse(tokens.accepts("first"));
    }

    @Test
    void failsClosedWhenTheFileWasNeverReadable() {
        AcceptedTokens tokens = new AcceptedTokens(List.of(), dir.resolve("missing"));
        assertTrue(tokens.enabled(), "a configured file turns authentication on even when it is missing");
        assertFalse(tokens.accepts(""));
        assertFalse(tokens.accepts("anything"));
    }

    @Test
    void keepsTheLastTokensWhenTheFileDisappearsAndPicksUpItsReturn() throws IOException {
        Path file = dir.resolve("tokens");
        Files.writeString(file, "kept\n");
        AcceptedTokens tokens = new AcceptedTokens(List.of(), file);
        assertTrue(tokens.accepts("kept"));

        Files.delete(file);
        assertTrue(tokens.accepts("kept"));

        Files.writeString(file, "back\n");
        assertTrue(tokens.accepts("back"));
        assertFalse(tokens.accepts("kept"));
    }
}
