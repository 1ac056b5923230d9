package dev.scratchgpt.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.scratchgpt.tokenizer.vocab.Vocabulary;
import dev.scratchgpt.tokenizer.vocab.VocabularyKind;
import dev.scratchgpt.tokenizer.vocab.VocabularyOptions;
import dev.scratchgpt.tokenizer.vocab.VocabularyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BPE vocabularies in the store: written, read back by a store opened afresh (a restart). */
class BpeVocabularyTypeTest {

    private static final BpeVocabularyType TYPE = new BpeVocabularyType();

    private static Vocabulary build(VocabularyOptions options, String text) {
        var builder = TYPE.newBuilder(options);
        builder.add(text);
        return builder.build(Instant.parse("2026-01-01T00:00:00Z"));
    }

    @Test
    void trainedAndPretrainedVocabulariesSurviveARestart(@TempDir Path dir) throws Exception {
        Vocabulary trained = build(new VocabularyOptions(VocabularyKind.BPE, false, 300, "", List.of("<|endoftext|>")),
                TestTexts.MULTILINGUAL);
        Vocabulary pretrained = build(new VocabularyOptions(VocabularyKind.BPE, false, 0, "cl100k_base",
                List.of("<|endoftext|>")), "");
        new VocabularyStore(dir, List.of(TYPE)).save(trained);
        new VocabularyStore(dir, List.of(TYPE)).save(pretrained);
        assertEquals(2, Files.list(dir).count());

        VocabularyStore reopened = new VocabularyStore(dir, List.of(TYPE));

        for (Vocabulary original : List.of(trained, pretrained)) {
            Vocabulary read = reopened.get(original.id());
            assertEquals(original.size(), read.size());
            assertEquals(original.specialTokens(), read.specialTokens());
            assertEquals(original.pretrained(), read.pretrained());
            assertEquals(original.sourceChars(), read.sourceChars());
            assertArrayEquals(original.encode(TestTexts.MULTILINGUAL), read.encode(TestTexts.MULTILINGUAL));
        }
        long pretrainedFileBytes = Files.size(dir.resolve(pretrained.id() + ".vocab"));
        assertEquals(true, pretrainedFileBytes < 200, "a pretrained vocabulary stores its name, not 100k ranks: "
                + pretrainedFileBytes + " bytes");
    }

    @Test
    void idDependsOnContentOnly() {
        VocabularyOptions options = new VocabularyOptions(VocabularyKind.BPE, false, 300, "", List.of());
        assertEquals(build(options, "hello hello world").id(), build(options, "hello hello world").id());
        assertNotEquals(build(options, "hello hello world").id(), build(options, "goodbye goodbye world").id());
        VocabularyOptions r50k = new VocabularyOptions(VocabularyKind.BPE, false, 0, "r50k_base", List.of());
        VocabularyOptions cl100k = new VocabularyOptions(VocabularyKind.BPE, false, 0, "cl100k_base", List.of());
        assertNotEquals(build(r50k, "").id(), build(cl100k, "").id());
    }
}
