package dev.scratchgpt.sampler.generate;

/** The caller left (cancel or deadline): generation stopped between two steps. */
public class GenerationCancelledException extends RuntimeException {

    public GenerationCancelledException(int step) {
        super("generation cancelled by the caller after " + step + " steps");
    }
}
