package dev.scratchgpt.tokenizer.vocab;

/** No vocabulary is stored under the id (the endpoint answers NOT_FOUND). */
public class VocabularyNotFoundException extends RuntimeException {

    public VocabularyNotFoundException(String id) {
        super("vocabulary_id " + (id.isEmpty() ? "is empty" : "'" + id + "' is not known")
                + ": ListVocabularies shows the stored ones and CreateVocabulary makes a new one");
    }
}
