package dev.scratchgpt.tokenizer.vocab;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Utf8StreamDecoderTest {

    @Test
    void everySplitPointGivesTheSameText() {
        String text = "aé€😀世"; // 1, 2, 3, 4 and 3 bytes
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int split = 0; split <= bytes.length; split++) {
            Utf8StreamDecoder decoder = Utf8StreamDecoder.strict("data");
            String out = decoder.decode(bytes, 0, split) + decoder.decode(bytes, split, bytes.length - split)
                    + decoder.finish();
            assertEquals(text, out, "split at byte " + split);
        }
    }

    @Test
    void byteByByteHoldsBackUnfinishedCharacters() {
        byte[] bytes = "😀".getBytes(StandardCharsets.UTF_8);
        Utf8StreamDecoder decoder = Utf8StreamDecoder.strict("data");
        assertEquals("", decoder.decode(bytes, 0, 1));
        assertEquals("", decoder.decode(bytes, 1, 1));
        assertEquals("", decoder.decode(bytes, 2, 1));
        assertEquals("😀", decoder.decode(bytes, 3, 1));
    }

    @Test
    void strictModeNamesTheFieldAndByteOffsetOfInvalidUtf8() {
        Utf8StreamDecoder decoder = Utf8StreamDecoder.strict("data");
        decoder.decode("abc".getBytes(StandardCharsets.UTF_8));

        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> decoder.decode(new byte[]{'d', (byte) 0xFF, 'e'}));
        assertTrue(e.getMessage().startsWith("data is not valid UTF-8"), e.getMessage());
        assertTrue(e.getMessage().contains("byte offset 4"), e.getMessage());
    }

    @Test
    void strictModeRejectsAStreamEndingInsideACharacter() {
        Utf8StreamDecoder decoder = Utf8StreamDecoder.strict("data");
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        assertEquals("", decoder.decode(euro, 0, 2));
        InvalidInputException e = assertThrows(InvalidInputException.class, decoder::finish);
        assertTrue(e.getMessage().contains("ended inside a character"), e.getMessage());
    }

    @Test
    void lenientModeReplacesInvalidBytes() {
        Utf8StreamDecoder decoder = Utf8StreamDecoder.lenient();
        assertEquals("a\uFFFDb", decoder.decode(new byte[]{'a', (byte) 0xFF, 'b'}));
        assertEquals("", decoder.decode(new byte[]{(byte) 0xE2}));
        assertEquals("\uFFFD", decoder.finish());
    }
}
