package dev.scratchgpt.tokenizer.vocab;

import org.jboss.logging.Logger;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The stored vocabularies: one file {@code <id>.vocab} each in a folder, all held in memory.
 * A file is written to a temporary name, synced and renamed into place, so after a crash a
 * vocabulary is either complete or absent. Every file is read back when the store opens.
 *
 * <p>File: "scratchgpt-vocabulary", format version, kind, creation time, corpus size, then
 * the kind's own part ({@link VocabularyType#write}).
 */
public final class VocabularyStore {

    private static final Logger LOG = Logger.getLogger(VocabularyStore.class);
    private static final String MAGIC = "scratchgpt-vocabulary";
    private static final int FORMAT = 1;
    private static final String SUFFIX = ".vocab";

    private final Path dir;
    private final Map<VocabularyKind, VocabularyType> types = new EnumMap<>(VocabularyKind.class);
    private final Map<String, Vocabulary> vocabularies = new ConcurrentHashMap<>();

    /** Opens (creating if needed) the store in {@code dir} and loads every vocabulary in it. */
    public VocabularyStore(Path dir, Collection<? extends VocabularyType> types) {
        this.dir = dir;
        for (VocabularyType type : types) {
            this.types.put(type.kind(), type);
        }
        try {
            Files.createDirectories(dir);
            load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the vocabulary store in " + dir, e);
        }
    }

    public Path dir() {
        return dir;
    }

    /**
     * The type that builds and stores {@code kind}.
     *
     * @throws InvalidInputException when this server has none
     */
    public VocabularyType type(VocabularyKind kind) {
        VocabularyType type = types.get(kind);
        if (type == null) {
            throw new InvalidInputException("kind " + kind + " is not available on this server (it has "
                    + types.keySet() + ")");
        }
        return type;
    }

    /**
     * Stores {@code vocabulary} unless one with the same id is stored already; returns the
     * stored one (so the first creation time wins).
     */
    public synchronized Vocabulary save(Vocabulary vocabulary) {
        Vocabulary existing = vocabularies.get(vocabulary.id());
        if (existing != null) {
            return existing;
        }
        Path file = dir.resolve(vocabulary.id() + SUFFIX);
        Path temp = dir.resolve(vocabulary.id() + SUFFIX + ".tmp");
        try {
            try (FileOutputStream fileOut = new FileOutputStream(temp.toFile());
                 DataOutputStream out = new DataOutputStream(new BufferedOutputStream(fileOut))) {
                out.writeUTF(MAGIC);
                out.writeInt(FORMAT);
                out.writeUTF(vocabulary.kind().name());
                out.writeLong(vocabulary.createdAt().getEpochSecond());
                out.writeInt(vocabulary.createdAt().getNano());
                out.writeLong(vocabulary.sourceChars());
                type(vocabulary.kind()).write(vocabulary, out);
                out.flush();
                fileOut.getFD().sync();
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new UncheckedIOException("cannot write vocabulary " + vocabulary.id() + " to " + file, e);
        }
        vocabularies.put(vocabulary.id(), vocabulary);
        LOG.infof("stored vocabulary %s (%s, %d tokens) in %s", vocabulary.id(), vocabulary.kind(),
                vocabulary.size(), file);
        return vocabulary;
    }

    public Optional<Vocabulary> find(String id) {
        return Optional.ofNullable(vocabularies.get(id));
    }

    /** @throws VocabularyNotFoundException when no vocabulary has {@code id} */
    public Vocabulary get(String id) {
        Vocabulary vocabulary = vocabularies.get(id);
        if (vocabulary == null) {
            throw new VocabularyNotFoundException(id);
        }
        return vocabulary;
    }

    /** Every stored vocabulary, newest first. */
    public List<Vocabulary> list() {
        return vocabularies.values().stream()
                .sorted(Comparator.comparing(Vocabulary::createdAt).reversed().thenComparing(Vocabulary::id))
                .toList();
    }

    public int count() {
        return vocabularies.size();
    }

    private void load() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.endsWith(SUFFIX + ".tmp")) {
                    // a write that never reached its rename: the vocabulary was not stored
                    LOG.infof("removing unfinished vocabulary file %s", file);
                    deleteQuietly(file);
                } else if (name.endsWith(SUFFIX)) {
                    loadOne(file, name.substring(0, name.length() - SUFFIX.length()));
                }
            }
        }
        LOG.infof("loaded %d vocabularies from %s", vocabularies.size(), dir);
    }

    private void loadOne(Path file, String expectedId) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (!MAGIC.equals(in.readUTF()) || in.readInt() != FORMAT) {
                LOG.warnf("skipping %s: not a vocabulary file of format %d", file, FORMAT);
                return;
            }
            VocabularyKind kind = VocabularyKind.valueOf(in.readUTF());
            VocabularyType type = types.get(kind);
            if (type == null) {
                LOG.warnf("skipping %s: kind %s is not available on this server", file, kind);
                return;
            }
            Instant createdAt = Instant.ofEpochSecond(in.readLong(), in.readInt());
            long sourceChars = in.readLong();
            Vocabulary vocabulary = type.read(in, sourceChars, createdAt);
            if (!vocabulary.id().equals(expectedId)) {
                LOG.warnf("skipping %s: its content has id %s, not the one in its name", file, vocabulary.id());
                return;
            }
            vocabularies.put(vocabulary.id(), vocabulary);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("skipping unreadable vocabulary file %s: %s", file, e.toString());
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warnf("cannot delete %s: %s", file, e.toString());
        }
    }
}
