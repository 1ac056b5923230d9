package dev.scratchgpt.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.scratchgpt.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The hand-written scanners must cut text exactly where the regexes (the specification) do. */
class SplitPatternTest {

    private static List<String> byRegex(SplitPattern pattern, String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = pattern.regex().matcher(text);
        while (m.find()) {
            pieces.add(m.group());
        }
        return pieces;
    }

    private static List<String> byScanner(SplitPattern pattern, String text) {
        List<String> pieces = new ArrayList<>();
        for (int start = 0, end; start < text.length(); start = end) {
            end = pattern.pieceEnd(text, start, text.length());
            pieces.add(text.substring(start, end));
        }
        return pieces;
    }

    @ParameterizedTest
    @EnumSource(SplitPattern.class)
    void scannerAgreesWithTheRegexOnRandomText(SplitPattern pattern) {
        String alphabet = ("aZ'sStTmMdDlLvVrReEſK 09½²٣Ⅻ \t\r\n\u000B\u000C\u001C\u00A0\u1680\u2003\u2028\u3000\u0085"
                + ".,!?-_\"#éßЖ中あ한ע\u0301\u200D\u180E😀👍🏽🇫");
        Random random = new Random(17);
        for (int round = 0; round < 20000; round++) {
            String text = TestTexts.random(random, alphabet, 16);
            assertEquals(byRegex(pattern, text), byScanner(pattern, text), () -> pattern + " on \"" + text + "\"");
        }
    }

    @ParameterizedTest
    @EnumSource(SplitPattern.class)
    void scannerAgreesWithTheRegexOnTheCorpora(SplitPattern pattern) throws IOException {
        for (String text : List.of(Files.readString(SharedData.tinyShakespeare()),
                Files.readString(SharedData.journeyToTheCentreOfTheEarth()), TestTexts.MULTILINGUAL)) {
            assertEquals(byRegex(pattern, text), byScanner(pattern, text));
        }
    }

    @Test
    void splitsAsGpt2AndCl100kDo() {
        String text = "I'LL pay 12345 for 3 cats' food!!\n\n  Then   stop.";
        assertEquals(List.of("I", "'", "LL", " pay", " 12345", " for", " 3", " cats", "'", " food", "!!", "\n\n ",
                " Then", "  ", " stop", "."), byScanner(SplitPattern.GPT2, text));
        assertEquals(List.of("I", "'LL", " pay", " ", "123", "45", " for", " ", "3", " cats", "'", " food", "!!\n\n",
                " ", " Then", "  ", " stop", "."), byScanner(SplitPattern.CL100K, text));
    }
}
