package dev.scratchgpt.tokenizer.vocab;

import jakarta.enterprise.context.ApplicationScoped;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.BitSet;

/** The course's character vocabulary as a {@link VocabularyType}. */
@ApplicationScoped
public class CharVocabularyType implements VocabularyType {

    @Override
    public VocabularyKind kind() {
        return VocabularyKind.CHAR;
    }

    @Override
    public VocabularyBuilder newBuilder(VocabularyOptions options) {
        if (options.vocabSize() != 0) {
            throw new InvalidInputException("vocab_size is " + options.vocabSize()
                    + " but it applies to BPE only: a character vocabulary's size is the number of distinct characters");
        }
        if (!options.pretrained().isEmpty()) {
            throw new InvalidInputException("pretrained is '" + options.pretrained() + "' but it applies to BPE only");
        }
        if (!options.specialTokens().isEmpty()) {
            throw new InvalidInputException("special_tokens applies to BPE only; a character vocabulary can only add_unk");
        }
        return new Builder(options.addUnk());
    }

    @Override
    public void write(Vocabulary vocabulary, DataOutputStream out) throws IOException {
        CharVocabulary chars = (CharVocabulary) vocabulary;
        int[] codePoints = chars.codePoints();
        out.writeBoolean(chars.unkId() >= 0);
        out.writeInt(codePoints.length);
        for (int cp : codePoints) {
            out.writeInt(cp);
        }
    }

    @Override
    public Vocabulary read(DataInputStream in, long sourceChars, Instant createdAt) throws IOException {
        boolean hasUnk = in.readBoolean();
        int[] codePoints = new int[in.readInt()];
        for (int i = 0; i < codePoints.length; i++) {
            codePoints[i] = in.readInt();
        }
        return new CharVocabulary(codePoints, hasUnk, sourceChars, createdAt);
    }

    /** Collects the distinct code points in a bit set, so a corpus of any size needs 136 KiB. */
    private static final class Builder implements VocabularyBuilder {

        private final boolean addUnk;
        private final BitSet seen = new BitSet();
        private long codePoints;
        private char pendingHigh;

        Builder(boolean addUnk) {
            this.addUnk = addUnk;
        }

        @Override
        public void add(CharSequence text) {
            int n = text.length();
            int i = 0;
            if (pendingHigh != 0 && n > 0) {
                if (Character.isLowSurrogate(text.charAt(0))) {
                    seen.set(Character.toCodePoint(pendingHigh, text.charAt(0)));
                    i = 1;
                } else {
                    seen.set(pendingHigh);
                }
                codePoints++;
                pendingHigh = 0;
            }
            for (; i < n; i++) {
                char c = text.charAt(i);
                if (Character.isHighSurrogate(c)) {
                    if (i + 1 == n) {
                        pendingHigh = c;
                        break;
                    }
                    if (Character.isLowSurrogate(text.charAt(i + 1))) {
                        seen.set(Character.toCodePoint(c, text.charAt(++i)));
                        codePoints++;
                        continue;
                    }
                }
                seen.set(c);
                codePoints++;
            }
        }

        @Override
        public Vocabulary build(Instant createdAt) {
            if (pendingHigh != 0) {
                seen.set(pendingHigh);
                codePoints++;
                pendingHigh = 0;
            }
            if (codePoints == 0) {
                throw new InvalidInputException("the corpus is empty: a character vocabulary needs at least one character of text");
            }
            return new CharVocabulary(seen.stream().toArray(), addUnk, codePoints, createdAt);
        }
    }
}
