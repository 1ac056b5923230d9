package dev.scratchgpt.tokenizer.vocab;

/**
 * Input a caller can fix: the message is a sentence naming the field, the value and what is
 * allowed (the endpoint answers INVALID_ARGUMENT with it).
 */
public class InvalidInputException extends RuntimeException {

    public InvalidInputException(String message) {
        super(message);
    }
}
