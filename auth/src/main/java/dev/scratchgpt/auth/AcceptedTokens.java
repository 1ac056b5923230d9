package dev.scratchgpt.auth;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The bearer tokens a service accepts: fixed ones from configuration plus, optionally, those in
 * a secret file (one per line, blank lines and {@code #} comments ignored). The file is re-read
 * whenever its modification time, size or identity changes, so a rotated Kubernetes Secret
 * takes effect without a restart. If the file cannot be read, the tokens last read from it stay
 * in force; if it was never read, no file token is accepted (fail closed).
 */
public final class AcceptedTokens {

    private static final Logger LOG = Logger.getLogger(AcceptedTokens.class);

    private final List<String> fixed;
    private final Path file;
    private volatile FileTokens fromFile = FileTokens.NONE;

    /** @param file the secret file, or null for none */
    public AcceptedTokens(List<String> fixed, Path file) {
        this.fixed = fixed.stream().map(String::trim).filter(t -> !t.isEmpty()).toList();
        this.file = file;
    }

    /** Authentication is on as soon as a token or a token file is configured. */
    public boolean enabled() {
        return !fixed.isEmpty() || file != null;
    }

    /**
     * Whether {@code presented} is one of the accepted tokens. Compares SHA-256 digests with
     * {@link MessageDigest#isEqual} against every token without stopping early, so the time
     * taken says nothing about how much of a token was right, nor its length.
     */
    public boolean accepts(String presented) {
        byte[] candidate = sha256(presented);
        boolean match = false;
        for (String token : current()) {
            match |= MessageDigest.isEqual(candidate, sha256(token));
        }
        return match;
    }

    /** The first accepted token (fixed ones first), which a client of a peer sends by default. */
    public Optional<String> first() {
        return current().stream().findFirst();
    }

    /** The tokens in force now: the fixed ones, then the file's (re-read if it changed). */
    List<String> current() {
        if (file == null) {
            return fixed;
        }
        List<String> all = new ArrayList<>(fixed);
        all.addAll(refresh().tokens());
        return all;
    }

    private FileTokens refresh() {
        FileTokens seen = fromFile;
        Object version;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            version = new FileVersion(a.lastModifiedTime(), a.size(), a.fileKey());
        } catch (IOException e) {
            return unreadable(seen, e);
        }
        if (version.equals(seen.version())) {
            return seen;
        }
        synchronized (this) {
            if (version.equals(fromFile.version())) {
                return fromFile;
            }
            try {
                List<String> tokens = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                        .map(String::trim)
                        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                        .toList();
                fromFile = new FileTokens(version, tokens);
                LOG.infof("Read %d bearer token(s) from %s", tokens.size(), file);
                return fromFile;
            } catch (IOException e) {
                return unreadable(fromFile, e);
            }
        }
    }

    private FileTokens unreadable(FileTokens kept, IOException e) {
        synchronized (this) {
            if (fromFile.version() != FileTokens.UNREADABLE) {
                LOG.warnf("Cannot read the bearer token file %s (%s); keeping the %d token(s) read from it before",
                        file, e.getClass().getSimpleName(), kept.tokens().size());
                // Remember the failure so that it is logged once, and re-read on the next change.
                fromFile = new FileTokens(FileTokens.UNREADABLE, kept.tokens());
            }
            return fromFile;
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime has SHA-256", e);
        }
    }

    private record FileVersion(FileTime modified, long size, Object key) {
    }

    private record FileTokens(Object version, List<String> tokens) {
        static final Object UNREADABLE = new Object();
        static final FileTokens NONE = new FileTokens(new Object(), List.of());

        FileTokens {
            Objects.requireNonNull(version);
        }
    }
}
