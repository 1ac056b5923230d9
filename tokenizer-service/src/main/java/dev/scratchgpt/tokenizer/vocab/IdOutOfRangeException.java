package dev.scratchgpt.tokenizer.vocab;

/** A token id outside 0..size-1. */
public class IdOutOfRangeException extends InvalidInputException {

    private final int id;
    private final long position;

    public IdOutOfRangeException(Vocabulary vocabulary, int id, long position) {
        super("ids[" + position + "] is " + id + " which is outside vocabulary " + vocabulary.id()
                + " (valid ids are 0 to " + (vocabulary.size() - 1) + ")");
        this.id = id;
        this.position = position;
    }

    public int id() {
        return id;
    }

    public long position() {
        return position;
    }
}
