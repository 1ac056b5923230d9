package dev.scratchgpt.tokenizer;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.scratchgpt.tokenizer.v1.CreateVocabularyRequest;
import dev.scratchgpt.tokenizer.vocab.InvalidInputException;
import dev.scratchgpt.tokenizer.vocab.Vocabulary;
import dev.scratchgpt.tokenizer.vocab.VocabularyKind;
import dev.scratchgpt.tokenizer.vocab.VocabularyOptions;

/** Between the v1 messages and the domain: options in, vocabularies out. */
final class VocabularyMessages {

    private VocabularyMessages() {
    }

    static VocabularyOptions options(CreateVocabularyRequest request) {
        return new VocabularyOptions(kind(request.getKind()), request.getAddUnk(), request.getVocabSize(),
                request.getPretrained(), request.getSpecialTokensList());
    }

    static VocabularyKind kind(dev.scratchgpt.tokenizer.v1.VocabularyKind kind) {
        return switch (kind) {
            case VOCABULARY_KIND_UNSPECIFIED, VOCABULARY_KIND_CHAR -> VocabularyKind.CHAR;
            case VOCABULARY_KIND_BPE -> VocabularyKind.BPE;
            case UNRECOGNIZED -> throw new InvalidInputException(
                    "kind is not a known VocabularyKind: use VOCABULARY_KIND_CHAR or VOCABULARY_KIND_BPE");
        };
    }

    static dev.scratchgpt.tokenizer.v1.VocabularyKind kind(VocabularyKind kind) {
        return switch (kind) {
            case CHAR -> dev.scratchgpt.tokenizer.v1.VocabularyKind.VOCABULARY_KIND_CHAR;
            case BPE -> dev.scratchgpt.tokenizer.v1.VocabularyKind.VOCABULARY_KIND_BPE;
        };
    }

    /** The message for {@code vocabulary}, with its token table when {@code withTokens}. */
    static dev.scratchgpt.tokenizer.v1.Vocabulary message(Vocabulary vocabulary, boolean withTokens) {
        var message = dev.scratchgpt.tokenizer.v1.Vocabulary.newBuilder()
                .setVocabularyId(vocabulary.id())
                .setKind(kind(vocabulary.kind()))
                .setSize(vocabulary.size())
                .setUnkId(vocabulary.unkId())
                .addAllSpecialTokens(vocabulary.specialTokens())
                .setPretrained(vocabulary.pretrained())
                .setSourceChars(vocabulary.sourceChars())
                .setCreatedAt(Timestamp.newBuilder()
                        .setSeconds(vocabulary.createdAt().getEpochSecond())
                        .setNanos(vocabulary.createdAt().getNano()));
        if (withTokens) {
            for (int id = 0; id < vocabulary.size(); id++) {
                message.addTokens(vocabulary.token(id));
                message.addTokenBytes(ByteString.copyFrom(vocabulary.tokenBytes(id)));
            }
        }
        return message.build();
    }
}
