package dev.scratchgpt.tokenizer.vocab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VocabularyStoreTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private VocabularyStore open() {
        return new VocabularyStore(dir, List.of(new CharVocabularyType()));
    }

    @Test
    void aReopenedStoreHasEveryVocabularyWithItsContent() {
        VocabularyStore store = open();
        Vocabulary emoji = store.save(CharVocabulary.of("a😀世", true, T0));
        Vocabulary plain = store.save(CharVocabulary.of("xyz", false, T0.plusSeconds(1)));

        VocabularyStore reopened = open();

        assertEquals(2, reopened.count());
        Vocabulary back = reopened.get(emoji.id());
        assertEquals(emoji.size(), back.size());
        assertEquals(emoji.unkId(), back.unkId());
        assertEquals(T0, back.createdAt());
        assertEquals(3, back.sourceChars());
        assertArrayEquals(emoji.encode("世😀a?"), back.encode("世😀a?"));
        assertEquals(List.of(plain.id(), emoji.id()), reopened.list().stream().map(Vocabulary::id).toList(),
                "newest first");
    }

    @Test
    void savingTheSameVocabularyAgainKeepsTheFirst() {
        VocabularyStore store = open();
        Vocabulary first = store.save(CharVocabulary.of("abc", false, T0));
        Vocabulary second = store.save(CharVocabulary.of("cba", false, T0.plusSeconds(9)));

        assertSame(first, second);
        assertEquals(1, store.count());
    }

    @Test
    void unfinishedAndDamagedFilesAreNotLoaded() throws Exception {
        VocabularyStore store = open();
        Vocabulary good = store.save(CharVocabulary.of("abc", false, T0));
        Files.writeString(dir.resolve("0123.vocab.tmp"), "half written");
        Files.writeString(dir.resolve("4567.vocab"), "not a vocabulary");
        Files.copy(dir.resolve(good.id() + ".vocab"), dir.resolve("89ab.vocab")); // content does not match name

        VocabularyStore reopened = open();

        assertEquals(List.of(good.id()), reopened.list().stream().map(Vocabulary::id).toList());
        assertFalse(Files.exists(dir.resolve("0123.vocab.tmp")));
    }

    @Test
    void unknownIdAndMissingKindAreErrorsWithSentences() {
        VocabularyStore store = open();
        VocabularyNotFoundException missing = assertThrows(VocabularyNotFoundException.class, () -> store.get("nope"));
        assertTrue(missing.getMessage().contains("'nope' is not known"), missing.getMessage());
        InvalidInputException bpe = assertThrows(InvalidInputException.class, () -> store.type(VocabularyKind.BPE));
        assertTrue(bpe.getMessage().contains("BPE is not available"), bpe.getMessage());
    }
}
