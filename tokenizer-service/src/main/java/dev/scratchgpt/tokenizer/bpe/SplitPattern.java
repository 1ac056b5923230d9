package dev.scratchgpt.tokenizer.bpe;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The regex that cuts text into pieces before byte-pair merging, so that merges never cross
 * word, number or punctuation boundaries (GPT-2 paper, section 2.2). Unicode classes as in
 * tiktoken: {@code \p{L}} letters, {@code \p{N}} numbers, {@code \s} Unicode white space.
 */
public enum SplitPattern {

    /** GPT-2 / r50k_base. */
    GPT2("gpt2", "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+") {
        @Override
        public int pieceEnd(CharSequence text, int start, int end) {
            return PieceScanner.gpt2(text, start, end);
        }
    },

    /** cl100k_base (GPT-3.5/4): case-insensitive contractions, numbers in groups of at most three. */
    CL100K("cl100k", "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+") {
        @Override
        public int pieceEnd(CharSequence text, int start, int end) {
            return PieceScanner.cl100k(text, start, end);
        }
    };

    private final String id;
    private final Pattern regex;

    SplitPattern(String id, String regex) {
        this.id = id;
        // UNICODE_CHARACTER_CLASS makes \s, \p{L} and case folding Unicode-aware, as in tiktoken.
        this.regex = Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    }

    /** The name used in requests and on disk: "gpt2" or "cl100k". */
    public String id() {
        return id;
    }

    /** The specification of the split; {@link #pieceEnd} is its fast equivalent. */
    public Pattern regex() {
        return regex;
    }

    /**
     * Where the piece that starts at {@code start} ends, for text that ends at {@code end}:
     * what {@code regex().matcher(text).region(start, end).lookingAt()} gives, only faster.
     */
    public abstract int pieceEnd(CharSequence text, int start, int end);

    /** The pattern named {@code id} ("gpt2", "cl100k"; case-insensitive), or null if there is none. */
    public static SplitPattern byId(String id) {
        for (SplitPattern pattern : values()) {
            if (pattern.id.equals(id.toLowerCase(Locale.ROOT))) {
                return pattern;
            }
        }
        return null;
    }
}
