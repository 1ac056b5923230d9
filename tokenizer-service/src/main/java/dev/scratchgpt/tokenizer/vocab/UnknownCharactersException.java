package dev.scratchgpt.tokenizer.vocab;

import java.util.List;
import java.util.stream.Collectors;

/** Text with characters a vocabulary without {@code <unk>} cannot encode. */
public class UnknownCharactersException extends InvalidInputException {

    private final List<Integer> codePoints;
    private final long firstOffset;

    /**
     * @param codePoints the distinct unknown characters found (the first few)
     * @param firstOffset code point offset of the first one, from the start of the text
     */
    public UnknownCharactersException(Vocabulary vocabulary, List<Integer> codePoints, long firstOffset) {
        super("text has " + (codePoints.size() == 1 ? "a character" : "characters")
                + " that vocabulary " + vocabulary.id() + " does not contain: "
                + codePoints.stream().map(UnknownCharactersException::describe).collect(Collectors.joining(" and "))
                + "; the first is at code point offset " + firstOffset
                + " (a vocabulary created with add_unk encodes such characters as <unk>)");
        this.codePoints = List.copyOf(codePoints);
        this.firstOffset = firstOffset;
    }

    public List<Integer> codePoints() {
        return codePoints;
    }

    public long firstOffset() {
        return firstOffset;
    }

    /** {@code U+1F600 '😀'}; invisible characters (controls, spaces, lone surrogates) by number only. */
    public static String describe(int codePoint) {
        String number = String.format("U+%04X", codePoint);
        boolean visible = !Character.isISOControl(codePoint) && !Character.isWhitespace(codePoint)
                && !Character.isSurrogate((char) codePoint) && Character.isDefined(codePoint)
                && Character.getType(codePoint) != Character.FORMAT;
        return visible ? number + " '" + new String(Character.toChars(codePoint)) + "'" : number;
    }
}
