package dev.scratchgpt.tokenizer.bpe;

/**
 * Hand-written equivalents of the {@link SplitPattern} regexes: given where a piece starts,
 * return where it ends, as the regex's leftmost alternative would. The regexes stay the
 * specification (tests compare the two on random text); this is the fast path, because
 * java.util.regex tries each alternative at each position and the split is most of the cost
 * of encoding once merges are cached.
 *
 * <p>Character classes are exactly the regex's under UNICODE_CHARACTER_CLASS: letters are
 * categories L*, numbers N*, white space is Unicode White_Space.
 */
final class PieceScanner {

    private PieceScanner() {
    }

    /** End of the GPT-2 piece starting at {@code i} in {@code text[..end)}; {@code i < end}. */
    static int gpt2(CharSequence text, int i, int end) {
        int c = Character.codePointAt(text, i);
        int next = i + Character.charCount(c);
        int d = next < end ? Character.codePointAt(text, next) : -1;
        // 's|'t|'re|'ve|'m|'ll|'d
        if (c == '\'' && d >= 0) {
            if (d == 's' || d == 't' || d == 'm' || d == 'd') {
                return next + 1;
            }
            if (next + 1 < end) {
                char e = text.charAt(next + 1);
                if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) {
                    return next + 2;
                }
            }
        }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: the optional space joins what follows it.
        int kind = kind(c);
        int from = i;
        if (c == ' ' && d >= 0 && kind(d) != SPACE) {
            kind = kind(d);
            from = next;
        }
        if (kind != SPACE) {
            return runEnd(text, from, end, kind);
        }
        return whitespaceEnd(text, i, end);
    }

    /** End of the cl100k piece starting at {@code i} in {@code text[..end)}; {@code i < end}. */
    static int cl100k(CharSequence text, int i, int end) {
        int c = Character.codePointAt(text, i);
        int next = i + Character.charCount(c);
        int d = next < end ? Character.codePointAt(text, next) : -1;
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (c == '\'' && d >= 0) {
            if (is(d, 's') || is(d, 't') || is(d, 'm') || is(d, 'd')) {
                return next + Character.charCount(d);
            }
            if (next + 1 < end) {
                int e = text.charAt(next + 1);
                if ((is(d, 'r') && is(e, 'e')) || (is(d, 'v') && is(e, 'e')) || (is(d, 'l') && is(e, 'l'))) {
                    return next + 2;
                }
            }
        }
        int kind = kind(c);
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (kind == LETTER) {
            return runEnd(text, i, end, LETTER);
        }
        if (kind != NUMBER && c != '\r' && c != '\n' && d >= 0 && kind(d) == LETTER) {
            return runEnd(text, next, end, LETTER);
        }
        // \p{N}{1,3}
        if (kind == NUMBER) {
            int j = next;
            for (int n = 1; n < 3 && j < end; n++) {
                int e = Character.codePointAt(text, j);
                if (kind(e) != NUMBER) {
                    break;
                }
                j += Character.charCount(e);
            }
            return j;
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        if (kind == OTHER || (c == ' ' && d >= 0 && kind(d) == OTHER)) {
            int j = runEnd(text, kind == OTHER ? i : next, end, OTHER);
            while (j < end && (text.charAt(j) == '\r' || text.charAt(j) == '\n')) {
                j++;
            }
            return j;
        }
        // \s*[\r\n]+ : the white-space run up to and including its last line break.
        int runEnd = runEnd(text, i, end, SPACE);
        for (int j = runEnd - 1; j >= i; j--) {
            if (text.charAt(j) == '\r' || text.charAt(j) == '\n') {
                return j + 1;
            }
        }
        return whitespaceEnd(text, i, end);
    }

    /**
     * {@code \s+(?!\S)|\s+}: the white-space run, less its last character when something
     * follows (that character then leads the next piece), but never less than one character.
     */
    private static int whitespaceEnd(CharSequence text, int i, int end) {
        int j = runEnd(text, i, end, SPACE);
        if (j == end) {
            return j;
        }
        int last = Character.offsetByCodePoints(text, j, -1);
        return last > i ? last : j;
    }

    private static final int LETTER = 0;
    private static final int NUMBER = 1;
    private static final int SPACE = 2;
    private static final int OTHER = 3;

    /** End of the run of characters of {@code kind} starting at {@code i}. */
    private static int runEnd(CharSequence text, int i, int end, int kind) {
        int j = i;
        while (j < end) {
            int c = Character.codePointAt(text, j);
            if (kind(c) != kind) {
                break;
            }
            j += Character.charCount(c);
        }
        return j;
    }

    /** LETTER (\p{L}), NUMBER (\p{N}), SPACE (\s, Unicode White_Space) or OTHER. */
    static int kind(int c) {
        if (c < 0x80) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                return LETTER;
            }
            if (c >= '0' && c <= '9') {
                return NUMBER;
            }
            return c == ' ' || (c >= '\t' && c <= '\r') ? SPACE : OTHER;
        }
        switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER:
            case Character.LOWERCASE_LETTER:
            case Character.TITLECASE_LETTER:
            case Character.MODIFIER_LETTER:
            case Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER:
            case Character.LETTER_NUMBER:
            case Character.OTHER_NUMBER:
                return NUMBER;
            case Character.SPACE_SEPARATOR:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
                return SPACE;
            default:
                return c == 0x85 ? SPACE : OTHER;
        }
    }

    /** Case-insensitive match of {@code c} against ASCII lower-case {@code lower}, Unicode rules. */
    private static boolean is(int c, char lower) {
        return c == lower || c == Character.toUpperCase(lower) || (lower == 's' && c == 'ſ');
    }
}
