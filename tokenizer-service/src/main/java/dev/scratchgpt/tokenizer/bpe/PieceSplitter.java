package dev.scratchgpt.tokenizer.bpe;

import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Cuts text into what byte-pair merging works on: special tokens, and between them the pieces
 * of the {@link SplitPattern}. Works on a whole text or on text that arrives in chunks: then
 * it reports only the pieces that no later text can change, and the caller keeps the rest for
 * the next chunk. Immutable; safe to share.
 */
final class PieceSplitter {

    /** Receives pieces in text order. */
    interface Sink {
        /** An ordinary piece, {@code text[start..end)}. */
        void piece(CharSequence text, int start, int end);

        /** A special token, as its id. */
        void special(int id);
    }

    private final SplitPattern pattern;
    private final Map<String, Integer> specials;
    private final Pattern specialsRegex;
    private final String[] specialTexts;

    PieceSplitter(SplitPattern pattern, Map<String, Integer> specials) {
        this.pattern = pattern;
        this.specials = new LinkedHashMap<>(specials);
        this.specialTexts = specials.keySet().toArray(new String[0]);
        // Longest first, so that a special token that contains another one wins.
        this.specialsRegex = specials.isEmpty() ? null : Pattern.compile(Arrays.stream(specialTexts)
                .sorted(Comparator.comparingInt(String::length).reversed())
                .map(Pattern::quote)
                .collect(Collectors.joining("|")));
    }

    /**
     * Reports the pieces of {@code text[from..to)} and returns where reporting stopped. With
     * {@code last} that is {@code to}. Otherwise more text follows, and the last two pieces
     * (which the next characters may still extend or re-cut, e.g. "'" + "re" or a run of
     * spaces) and any tail that may be the start of a special token are held back: the return
     * value is where they begin.
     */
    int split(CharSequence text, int from, int to, boolean last, Sink sink) {
        int segment = from;
        if (specialsRegex != null) {
            Matcher special = specialsRegex.matcher(text).region(from, to);
            while (special.find()) {
                // Text before a special token ends there, whatever follows: tiktoken splits each
                // stretch between special tokens as a string of its own.
                pieces(text, segment, special.start(), special.start(), sink);
                sink.special(specials.get(special.group()));
                segment = special.end();
            }
        }
        if (last) {
            pieces(text, segment, to, to, sink);
            return to;
        }
        int limit = Math.max(segment, to - specialPrefixAtEnd(text, segment, to));
        int[] starts = new int[3];
        int count = 0;
        for (int start = segment; start < limit; count++) {
            int end = pattern.pieceEnd(text, start, limit);
            if (count >= 2) {
                int oldest = starts[(count - 2) % 3];
                int next = starts[(count - 1) % 3];
                sink.piece(text, oldest, next);
            }
            starts[count % 3] = start;
            start = end;
        }
        return count >= 2 ? starts[(count - 2) % 3] : segment;
    }

    /** Reports every piece of {@code text[from..stop)}, the split seeing text up to {@code limit}. */
    private void pieces(CharSequence text, int from, int stop, int limit, Sink sink) {
        for (int start = from, end; start < stop; start = end) {
            end = pattern.pieceEnd(text, start, limit);
            sink.piece(text, start, end);
        }
    }

    /** Length of the longest tail of {@code text[from..to)} that is a proper prefix of a special token. */
    private int specialPrefixAtEnd(CharSequence text, int from, int to) {
        int longest = 0;
        for (String special : specialTexts) {
            for (int length = Math.min(special.length() - 1, to - from); length > longest; length--) {
                if (regionMatches(text, to - length, special, length)) {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }

    private static boolean regionMatches(CharSequence text, int at, String prefix, int length) {
        for (int i = 0; i < length; i++) {
            if (text.charAt(at + i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
