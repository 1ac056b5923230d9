package dev.scratchgpt.sampler.generate;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SampleTextTest {

    /** ids 0..3: "a", "b", "\n", and the two halves of "é" (as a byte-level vocabulary may split it). */
    private static final Vocabulary VOCAB = new Vocabulary("t", new byte[][] {
            "a".getBytes(StandardCharsets.UTF_8), "b".getBytes(StandardCharsets.UTF_8),
            "\n".getBytes(StandardCharsets.UTF_8), {(byte) 0xC3}, {(byte) 0xA9},
            "😀".getBytes(StandardCharsets.UTF_8)});

    @Test
    void releasesOnlyCompleteCharacters() {
        SampleText t = new SampleText(VOCAB, List.of());
        assertEquals("a", t.add(0));
        assertEquals("", t.add(3));
        assertEquals("é", t.add(4));
        assertEquals("😀", t.add(5));
        assertEquals("aé😀", t.text());
    }

    @Test
    void cutsTheTextAtAStopSequenceAndNeverShowsPartOfIt() {
        SampleText t = new SampleText(VOCAB, List.of("b\nb"));
        assertEquals("a", t.add(0));
        assertEquals("", t.add(1));
        assertEquals("", t.add(2));
        assertFalse(t.stopped());
        assertEquals("", t.add(1));
        assertTrue(t.stopped());
        assertEquals("a", t.text());
        assertEquals("", t.finish());
    }

    @Test
    void releasesHeldBackTextWhenTheStopDoesNotComplete() {
        SampleText t = new SampleText(VOCAB, List.of("b\nb"));
        assertEquals("", t.add(1));
        assertEquals("", t.add(2));
        assertEquals("b\na", t.add(0));
        assertEquals("", t.add(1));
        assertEquals("b", t.finish());
        assertEquals("b\nab", t.text());
    }

    @Test
    void earliestOfSeveralStopsWins() {
        SampleText t = new SampleText(VOCAB, List.of("ab", "a"));
        t.add(1);
        t.add(0);
        assertTrue(t.stopped());
        assertEquals("b", t.text());
    }

    @Test
    void aDanglingByteAtTheEndBecomesAReplacementCharacter() {
        SampleText t = new SampleText(VOCAB, List.of());
        t.add(0);
        t.add(3);
        assertEquals("\uFFFD", t.finish());
        assertEquals("a\uFFFD", t.text());
    }
}
