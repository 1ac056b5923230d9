package dev.scratchgpt.tokenizer.bpe;

import dev.scratchgpt.tokenizer.vocab.InvalidInputException;
import dev.scratchgpt.tokenizer.vocab.Vocabulary;
import dev.scratchgpt.tokenizer.vocab.VocabularyBuilder;
import dev.scratchgpt.tokenizer.vocab.VocabularyKind;
import dev.scratchgpt.tokenizer.vocab.VocabularyOptions;
import dev.scratchgpt.tokenizer.vocab.VocabularyType;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Byte-level BPE as a {@link VocabularyType}: trained on the corpus to {@code vocab_size}
 * (GPT-2 split), or loaded from published ranks ({@code pretrained}).
 *
 * <p>Stored form: a trained vocabulary keeps its split pattern, every mergeable token's bytes
 * by rank and its special tokens with their ids; a pretrained one keeps only the ranks' name
 * and its special tokens, and loads the ranks from the jtokkit jar when the store opens.
 */
@ApplicationScoped
public class BpeVocabularyType implements VocabularyType {

    /** Smallest size: the 256 byte tokens and one merge. */
    public static final int MIN_VOCAB_SIZE = 257;
    /** Largest size, the order of cl100k_base's 100,277 ids. */
    public static final int MAX_VOCAB_SIZE = 100_000;

    private static final int FORMAT_TRAINED = 1;
    private static final int FORMAT_PRETRAINED = 2;

    @Override
    public VocabularyKind kind() {
        return VocabularyKind.BPE;
    }

    @Override
    public VocabularyBuilder newBuilder(VocabularyOptions options) {
        if (options.addUnk()) {
            throw new InvalidInputException("add_unk applies to CHAR only: byte-level BPE encodes any text, so it has no <unk>");
        }
        List<String> specials = options.specialTokens();
        checkSpecials(specials);
        if (!options.pretrained().isEmpty()) {
            PretrainedEncoding pretrained = PretrainedEncoding.byId(options.pretrained());
            if (pretrained == null) {
                throw new InvalidInputException("pretrained is '" + options.pretrained() + "' but must be one of "
                        + Arrays.stream(PretrainedEncoding.values()).map(PretrainedEncoding::id)
                        .collect(Collectors.joining(", ")));
            }
            if (options.vocabSize() != 0) {
                throw new InvalidInputException("vocab_size is " + options.vocabSize() + " but pretrained "
                        + pretrained.id() + " has a fixed size: leave vocab_size unset (0)");
            }
            for (String special : specials) {
                if (!pretrained.knownSpecials().containsKey(special)) {
                    throw new InvalidInputException("special_tokens has '" + special + "', which " + pretrained.id()
                            + " does not define (it defines " + String.join(", ", pretrained.knownSpecials().keySet()) + ")");
                }
            }
            return new PretrainedBuilder(pretrained, specials);
        }
        int size = options.vocabSize();
        if (size < MIN_VOCAB_SIZE || size > MAX_VOCAB_SIZE) {
            throw new InvalidInputException("vocab_size is " + size + " but BPE training needs " + MIN_VOCAB_SIZE + " to "
                    + MAX_VOCAB_SIZE + " (256 byte tokens plus merges plus special tokens), or set pretrained");
        }
        if (size - specials.size() < MIN_VOCAB_SIZE) {
            throw new InvalidInputException("vocab_size is " + size + " but 256 byte tokens, one merge and "
                    + specials.size() + " special_tokens need at least " + (MIN_VOCAB_SIZE + specials.size()));
        }
        return new TrainingBuilder(size, specials);
    }

    private static void checkSpecials(List<String> specials) {
        if (specials.stream().anyMatch(String::isEmpty)) {
            throw new InvalidInputException("special_tokens has an empty string; a special token needs at least one character");
        }
        if (new HashSet<>(specials).size() != specials.size()) {
            throw new InvalidInputException("special_tokens lists a token twice: " + specials);
        }
    }

    @Override
    public void write(Vocabulary vocabulary, DataOutputStream out) throws IOException {
        BpeVocabulary bpe = (BpeVocabulary) vocabulary;
        BytePairEncoding encoding = bpe.encoding();
        if (bpe.pretrainedEncoding() != null) {
            out.writeInt(FORMAT_PRETRAINED);
            out.writeUTF(bpe.pretrainedEncoding().id());
            out.writeInt(encoding.specials().size());
            for (String special : encoding.specials().keySet()) {
                out.writeUTF(special);
            }
            return;
        }
        out.writeInt(FORMAT_TRAINED);
        out.writeUTF(encoding.splitPattern().id());
        List<byte[]> tokens = encoding.mergeableTokens();
        out.writeInt(tokens.size());
        for (byte[] token : tokens) {
            out.writeInt(token.length);
            out.write(token);
        }
        out.writeInt(encoding.specials().size());
        for (Map.Entry<String, Integer> special : encoding.specials().entrySet()) {
            out.writeUTF(special.getKey());
            out.writeInt(special.getValue());
        }
    }

    @Override
    public Vocabulary read(DataInputStream in, long sourceChars, Instant createdAt) throws IOException {
        int format = in.readInt();
        if (format == FORMAT_PRETRAINED) {
            PretrainedEncoding pretrained = PretrainedEncoding.byId(in.readUTF());
            List<String> specials = new ArrayList<>();
            for (int n = in.readInt(); n > 0; n--) {
                specials.add(in.readUTF());
            }
            return new BpeVocabulary(pretrained.load(specials), pretrained, sourceChars, createdAt);
        }
        if (format != FORMAT_TRAINED) {
            throw new IOException("unknown BPE format " + format);
        }
        SplitPattern split = SplitPattern.byId(in.readUTF());
        byte[][] tokens = new byte[in.readInt()][];
        for (int rank = 0; rank < tokens.length; rank++) {
            tokens[rank] = in.readNBytes(in.readInt());
        }
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (int n = in.readInt(); n > 0; n--) {
            specials.put(in.readUTF(), in.readInt());
        }
        return new BpeVocabulary(new BytePairEncoding(tokens, specials, split), null, sourceChars, createdAt);
    }

    /** Counts the corpus's pieces as it arrives; trains when built. */
    private static final class TrainingBuilder implements VocabularyBuilder {
        private final int vocabSize;
        private final BpeTrainer trainer;

        TrainingBuilder(int vocabSize, List<String> specials) {
            this.vocabSize = vocabSize;
            this.trainer = new BpeTrainer(SplitPattern.GPT2, specials);
        }

        @Override
        public void add(CharSequence text) {
            trainer.add(text);
        }

        @Override
        public Vocabulary build(Instant createdAt) {
            if (trainer.codePoints() == 0) {
                throw new InvalidInputException("the corpus is empty: BPE training needs text (or set pretrained)");
            }
            return new BpeVocabulary(trainer.train(vocabSize), null, trainer.codePoints(), createdAt);
        }
    }

    /** Published ranks: the corpus plays no part, so text must be empty. */
    private static final class PretrainedBuilder implements VocabularyBuilder {
        private final PretrainedEncoding pretrained;
        private final List<String> specials;
        private boolean sawText;

        PretrainedBuilder(PretrainedEncoding pretrained, List<String> specials) {
            this.pretrained = pretrained;
            this.specials = specials;
        }

        @Override
        public void add(CharSequence text) {
            sawText |= text.length() > 0;
        }

        @Override
        public Vocabulary build(Instant createdAt) {
            if (sawText) {
                throw new InvalidInputException("text must be empty when pretrained is set: " + pretrained.id()
                        + " is loaded as published, not trained on the text");
            }
            return new BpeVocabulary(pretrained.load(specials), pretrained, 0, createdAt);
        }
    }
}
