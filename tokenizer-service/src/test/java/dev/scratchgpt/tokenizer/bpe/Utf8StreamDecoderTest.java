package dev.scratchgpt.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8StreamDecoderTest {

    @Test
    void holdsBackACharacterUntilItsLastByteArrives() {
        byte[] emoji = "😀".getBytes(StandardCharsets.UTF_8);
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        assertEquals("a", decoder.accept(new byte[] {'a', emoji[0]}));
        assertEquals("", decoder.accept(new byte[] {emoji[1], emoji[2]}));
        assertEquals("😀b", decoder.accept(new byte[] {emoji[3], 'b'}));
        assertEquals("", decoder.finish());
    }

    @Test
    void replacesBytesThatCanNeverBecomeACharacterAtOnce() {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        assertEquals("\uFFFD", decoder.accept(new byte[] {(byte) 0xFF}));
        // A lead byte followed by ASCII: the lead byte is broken, the ASCII is not.
        assertEquals("", decoder.accept(new byte[] {(byte) 0xE2}));
        assertEquals("\uFFFDx", decoder.accept(new byte[] {'x'}));
    }

    @Test
    void finishReplacesAnIncompleteTail() {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        assertEquals("ok", decoder.accept(new byte[] {'o', 'k', (byte) 0xF0, (byte) 0x9F}));
        assertEquals("\uFFFD", decoder.finish());
    }

    /** However bytes are cut, the pieces add up to what decoding them all at once gives. */
    @Test
    void anySplitGivesTheSameTextAsDecodingAllAtOnce() {
        Random random = new Random(2);
        byte[] valid = TestTexts.MULTILINGUAL.getBytes(StandardCharsets.UTF_8);
        for (int round = 0; round < 300; round++) {
            byte[] bytes = Arrays.copyOf(valid, valid.length);
            if (round % 2 == 1) {
                for (int k = 0; k < 20; k++) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                }
            }
            Utf8StreamDecoder decoder = new Utf8StreamDecoder();
            StringBuilder streamed = new StringBuilder();
            for (int from = 0; from < bytes.length; ) {
                int to = Math.min(bytes.length, from + random.nextInt(6));
                String text = decoder.accept(Arrays.copyOfRange(bytes, from, to));
                streamed.append(text);
                if (round % 2 == 0) {
                    // Valid input: what was emitted so far is a prefix of the text, never a broken character.
                    assertEquals(-1, text.indexOf('\uFFFD'));
                }
                from = to;
            }
            streamed.append(decoder.finish());
            assertEquals(new String(bytes, StandardCharsets.UTF_8), streamed.toString(), "round " + round);
        }
    }
}
