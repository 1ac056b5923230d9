package dev.scratchgpt.tokenizer.bpe;

import java.util.Random;

/** Texts that exercise the corners of pre-tokenisation and byte-level merging. */
final class TestTexts {

    private TestTexts() {
    }

    /** Many scripts, emoji (ZWJ sequences, flags, skin tones), combining marks, odd white space. */
    static final String MULTILINGUAL = String.join("\n",
            "English: I'LL say it's done, you'd've THOUGHT they're 'tis o'clock; we'VE 12345678 items, 3.14159 and 1,000,000.",
            "Deutsch: Größe, Übermaß und Fußgängerübergänge — „Anführungszeichen“ ß ẞ.",
            "Français : « Où est l'hôtel ? » — naïve façade, cœur, élève.",
            "Español: ¿Qué tal? ¡Mañana! Ñandú, pingüino.",
            "Русский: Съешь же ещё этих мягких французских булок, да выпей чаю. 2024 год.",
            "Ελληνικά: Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.",
            "中文：我能吞下玻璃而不伤身体。数字１２３和汉字混合。",
            "日本語：いろはにほへと ちりぬるを カタカナ ｶﾀｶﾅ 漢字。",
            "한국어: 다람쥐 헌 쳇바퀴에 타고파.",
            "العربية: أنا قادر على أكل الزجاج و هذا لا يؤلمني. ١٢٣٤",
            "עברית: אני יכול לאכול זכוכית וזה לא מזיק לי.",
            "हिन्दी: मैं काँच खा सकता हूँ और मुझे उससे कोई चोट नहीं पहुंचती. ४२",
            "ไทย: ฉันกินกระจกได้ แต่มันไม่ทำให้ฉันเจ็บ",
            "Combining: e\u0301 a\u0308 n\u0303 Z\u0351\u036B\u0343\u036A\u0302\u036B\u033D\u034F\u0334\u0319",
            "Emoji: 😀😃😄 👍🏽 👩‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇯🇵 ❤️ 🤖🧠 ✨ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛",
            "Symbols: ∀x∈ℝ: x²≥0 ½ ¾ Ⅻ ① ⑵ ™ © ® € £ ¥ ₿ §¶ † ‡ … ‰ <|endoftext|> <|fim_prefix|>",
            "Whitespace:\ttab\t\ttabs  two   three    four\u00A0nbsp\u2003em\u3000ideographic\u2028ls\u2029ps\u0085nel",
            "Windows line\r\nendings\r\n\r\n   \r\n  indented\r\n\n\n\nmany newlines   \n \t \n",
            "Code: for (int i = 0; i < n; i++) { x[i] += y[i] * 2; } // comment #hash @at $var %p ^c &a |b ~t `q`",
            "Apostrophes: don't DON'T can’t ’s 'S 'M 'D 'Ll 'lL 'Re 'vE ſ'ſ 'ſ 'x ''s ' s",
            "Long: " + "a".repeat(300) + " " + "ab".repeat(200) + " " + "!?".repeat(150) + " " + " ".repeat(40) + "end",
            "",
            "   trailing spaces   ");

    /** A string of up to {@code maxLength - 1} code points drawn from {@code alphabet}. */
    static String random(Random random, String alphabet, int maxLength) {
        int[] codePoints = alphabet.codePoints().toArray();
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(maxLength);
        for (int i = 0; i < length; i++) {
            text.appendCodePoint(codePoints[random.nextInt(codePoints.length)]);
        }
        return text.toString();
    }
}
