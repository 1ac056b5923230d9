package dev.scratchgpt.tokenizer.vocab;

import dev.scratchgpt.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CharVocabularyTest {

    /** The course prints ''.join(chars) for tinyshakespeare and gets this, 65 characters. */
    static final String COURSE_VOCABULARY =
            "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    static final String MIXED = "héllo 😀 世界 e\u0301 👩‍🔬 𝔘";

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void tinyShakespeareGivesTheCoursesVocabulary() throws Exception {
        String text = Files.readString(SharedData.tinyShakespeare());
        CharVocabulary vocabulary = CharVocabulary.of(text, false, T0);

        assertEquals(65, vocabulary.size());
        assertEquals(COURSE_VOCABULARY, new String(vocabulary.codePoints(), 0, 65));
        assertEquals(-1, vocabulary.unkId());
        assertEquals(text.length(), vocabulary.sourceChars());
        // the course: encode("hii there") == [46, 47, 47, 1, 58, 46, 43, 56, 43]
        assertArrayEquals(new int[]{46, 47, 47, 1, 58, 46, 43, 56, 43}, vocabulary.encode("hii there"));
        assertEquals(text, vocabulary.decode(vocabulary.encode(text)));
    }

    @Test
    void emojiCjkAndCombiningMarksRoundTripAsCodePoints() {
        CharVocabulary vocabulary = CharVocabulary.of(MIXED, false, T0);
        int[] ids = vocabulary.encode(MIXED);

        assertEquals(MIXED.codePointCount(0, MIXED.length()), ids.length);
        assertEquals(MIXED, vocabulary.decode(ids));
        int grin = vocabulary.encode("😀")[0];
        assertEquals("😀", vocabulary.token(grin));
        assertEquals(1, vocabulary.encode("😀").length);
        assertEquals("e\u0301", vocabulary.decode(vocabulary.encode("e\u0301")));
    }

    @Test
    void unknownCharactersAreNamedWithTheFirstOffset() {
        CharVocabulary vocabulary = CharVocabulary.of("abc ", false, T0);

        UnknownCharactersException e = assertThrows(UnknownCharactersException.class,
                () -> vocabulary.encode("ab 😀 cé 😀"));

        assertEquals(List.of(0x1F600, 0xE9), e.codePoints());
        assertEquals(3, e.firstOffset());
        assertTrue(e.getMessage().contains("U+1F600 '😀'"), e.getMessage());
        assertTrue(e.getMessage().contains("U+00E9 'é'"), e.getMessage());
        assertTrue(e.getMessage().contains("offset 3"), e.getMessage());
    }

    @Test
    void unkTakesTheLastIdAndEncodesEveryUnknownCharacter() {
        CharVocabulary vocabulary = CharVocabulary.of("ab", true, T0);

        assertEquals(3, vocabulary.size());
        assertEquals(2, vocabulary.unkId());
        assertEquals("<unk>", vocabulary.token(2));
        assertArrayEquals(new int[]{0, 2, 1, 2}, vocabulary.encode("a😀bz"));
        assertEquals("a\uFFFDb", vocabulary.decode(new int[]{0, 2, 1}));
    }

    @Test
    void idDependsOnContentOnly() {
        CharVocabulary first = CharVocabulary.of("hello", false, T0);
        CharVocabulary again = CharVocabulary.of("olleh hello", false, T0.plusSeconds(60));
        String spaced = CharVocabulary.of("hello ", false, T0).id();

        assertEquals(first.id(), CharVocabulary.of("hello", false, T0.plusSeconds(5)).id());
        assertNotEquals(first.id(), again.id(), "a space is one more character");
        assertEquals(again.id(), spaced);
        assertNotEquals(first.id(), CharVocabulary.of("hello", true, T0).id(), "unk changes the table");
    }

    @Test
    void streamingEncoderKeepsASplitSurrogatePairForTheNextPiece() {
        CharVocabulary vocabulary = CharVocabulary.of(MIXED, false, T0);
        int[] whole = vocabulary.encode(MIXED);
        int split = MIXED.indexOf("😀") + 1; // between the high and the low surrogate
        assertTrue(Character.isHighSurrogate(MIXED.charAt(split - 1)));

        Encoder encoder = vocabulary.newEncoder();
        IdBuffer ids = new IdBuffer(4);
        encoder.encode(MIXED.substring(0, split), ids);
        int beforeSecondPiece = ids.size();
        encoder.encode(MIXED.substring(split), ids);
        encoder.finish(ids);

        assertEquals(MIXED.codePointCount(0, split - 1), beforeSecondPiece, "the high half waits");
        assertArrayEquals(whole, ids.toArray());
        assertEquals(whole.length, encoder.codePoints());
    }

    @Test
    void unknownOffsetCountsFromTheStartOfTheStream() {
        CharVocabulary vocabulary = CharVocabulary.of("abc", false, T0);
        Encoder encoder = vocabulary.newEncoder();
        IdBuffer ids = new IdBuffer(4);
        encoder.encode("ab😀".substring(0, 3), ids);

        UnknownCharactersException e = assertThrows(UnknownCharactersException.class,
                () -> encoder.encode("\uDE00cc", ids));
        assertEquals(List.of(0x1F600), e.codePoints());
        assertEquals(2, e.firstOffset());
    }

    @Test
    void decodeNamesAnIdOutOfRangeAndItsPosition() {
        CharVocabulary vocabulary = CharVocabulary.of("abc", false, T0);

        IdOutOfRangeException e = assertThrows(IdOutOfRangeException.class,
                () -> vocabulary.decode(new int[]{0, 1, 3}));
        assertEquals(3, e.id());
        assertEquals(2, e.position());
        assertTrue(e.getMessage().contains("ids[2] is 3"), e.getMessage());
        assertThrows(IdOutOfRangeException.class, () -> vocabulary.decode(new int[]{-1}));
    }

    @Test
    void builderSeesTheSameCharactersWhateverThePieces() {
        CharVocabularyType type = new CharVocabularyType();
        VocabularyBuilder builder = type.newBuilder(VocabularyOptions.chars(false));
        int split = MIXED.indexOf("𝔘") + 1;
        builder.add(MIXED.substring(0, split));
        builder.add("");
        builder.add(MIXED.substring(split));
        Vocabulary built = builder.build(T0);

        assertEquals(CharVocabulary.of(MIXED, false, T0).id(), built.id());
        assertEquals(MIXED.codePointCount(0, MIXED.length()), built.sourceChars());
    }

    @Test
    void builderRejectsAnEmptyCorpusAndBpeOptions() {
        CharVocabularyType type = new CharVocabularyType();
        InvalidInputException empty = assertThrows(InvalidInputException.class,
                () -> type.newBuilder(VocabularyOptions.chars(false)).build(T0));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());

        InvalidInputException size = assertThrows(InvalidInputException.class, () -> type.newBuilder(
                new VocabularyOptions(VocabularyKind.CHAR, false, 300, "", List.of())));
        assertTrue(size.getMessage().startsWith("vocab_size is 300"), size.getMessage());
    }
}
