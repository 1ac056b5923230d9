package dev.scratchgpt.cli.train;

import dev.scratchgpt.tokenizer.v1.VocabularyKind;
import dev.scratchgpt.trainer.v1.LrSchedule;
import dev.scratchgpt.trainer.v1.ModelType;
import dev.scratchgpt.trainer.v1.TrainingSpec;
import picocli.CommandLine.Option;

/**
 * The job's hyper-parameters as options. Unset options stay unset in the request, so the
 * trainer applies the course's default for the model type (see trainer.proto).
 */
public class TrainOptions {

    public enum Kind { gpt, bigram }

    public enum Tokenizer { CHAR, BPE }

    public enum Schedule { constant, cosine }

    @Option(names = "--model-type", paramLabel = "gpt|bigram", description = "Model to train (default gpt).")
    public Kind modelType;

    @Option(names = {"--name", "--model"}, paramLabel = "NAME",
            description = "Name in the model store, [a-z0-9][a-z0-9._-]{0,62} (default: model; demo: demo).")
    public String name;

    @Option(names = "--tokenizer", paramLabel = "char|bpe", converter = TokenizerConverter.class,
            description = "Vocabulary built from the corpus: char (the course's) or byte-level bpe (default char).")
    public Tokenizer tokenizer;

    @Option(names = "--vocab-size", paramLabel = "N", description = "BPE only: vocabulary size to train to (257..100000).")
    public Integer vocabSize;

    @Option(names = "--vocabulary-id", paramLabel = "ID", description = "Use an existing vocabulary instead of building one.")
    public String vocabularyId;

    @Option(names = "--batch-size", paramLabel = "N") public Integer batchSize;
    @Option(names = "--block-size", paramLabel = "N", description = "Context length in tokens.") public Integer blockSize;
    @Option(names = "--max-steps", paramLabel = "N") public Integer maxSteps;
    @Option(names = {"--learning-rate", "--lr"}, paramLabel = "LR") public Float learningRate;
    @Option(names = "--min-lr", paramLabel = "LR", description = "Cosine schedule: final learning rate.") public Float minLearningRate;
    @Option(names = "--lr-schedule", paramLabel = "constant|cosine") public Schedule lrSchedule;
    @Option(names = "--warmup-steps", paramLabel = "N") public Integer warmupSteps;
    @Option(names = "--eval-interval", paramLabel = "N") public Integer evalInterval;
    @Option(names = "--eval-iters", paramLabel = "N") public Integer evalIters;
    @Option(names = "--n-embd", paramLabel = "N") public Integer nEmbd;
    @Option(names = "--n-head", paramLabel = "N") public Integer nHead;
    @Option(names = "--n-layer", paramLabel = "N") public Integer nLayer;
    @Option(names = "--dropout", paramLabel = "P") public Float dropout;
    @Option(names = "--weight-decay", paramLabel = "W") public Float weightDecay;
    @Option(names = "--beta2", paramLabel = "B") public Float beta2;
    @Option(names = "--grad-clip", paramLabel = "NORM", description = "Global-norm clipping, 0 = off.") public Float gradClip;
    @Option(names = "--seed", paramLabel = "N") public Long seed;
    @Option(names = "--device", paramLabel = "auto|cpu|cuda[:N]") public String device;
    @Option(names = "--checkpoint-interval", paramLabel = "N") public Integer checkpointInterval;

    public String nameOr(String fallback) {
        return name != null ? name : fallback;
    }

    public TrainingSpec toSpec() {
        TrainingSpec.Builder b = TrainingSpec.newBuilder()
                .setModelType(modelType == Kind.bigram ? ModelType.MODEL_TYPE_BIGRAM : ModelType.MODEL_TYPE_GPT);
        if (tokenizer != null) b.setVocabularyKind(tokenizer == Tokenizer.BPE ? VocabularyKind.VOCABULARY_KIND_BPE : VocabularyKind.VOCABULARY_KIND_CHAR);
        if (vocabSize != null) b.setBpeVocabSize(vocabSize);
        if (vocabularyId != null) b.setVocabularyId(vocabularyId);
        if (batchSize != null) b.setBatchSize(batchSize);
        if (blockSize != null) b.setBlockSize(blockSize);
        if (maxSteps != null) b.setMaxSteps(maxSteps);
        if (learningRate != null) b.setLearningRate(learningRate);
        if (minLearningRate != null) b.setMinLearningRate(minLearningRate);
        if (lrSchedule != null) b.setLrSchedule(lrSchedule == Schedule.cosine ? LrSchedule.LR_SCHEDULE_COSINE : LrSchedule.LR_SCHEDULE_CONSTANT);
        if (warmupSteps != null) b.setWarmupSteps(warmupSteps);
        if (evalInterval != null) b.setEvalInterval(evalInterval);
        if (evalIters != null) b.setEvalIters(evalIters);
        if (nEmbd != null) b.setNEmbd(nEmbd);
        if (nHead != null) b.setNHead(nHead);
        if (nLayer != null) b.setNLayer(nLayer);
        if (dropout != null) b.setDropout(dropout);
        if (weightDecay != null) b.setWeightDecay(weightDecay);
        if (beta2 != null) b.setBeta2(beta2);
        if (gradClip != null) b.setGradClip(gradClip);
        if (seed != null) b.setSeed(seed);
        if (device != null) b.setDevice(device);
        if (checkpointInterval != null) b.setCheckpointInterval(checkpointInterval);
        return b.build();
    }

    /** char|bpe in any case. */
    public static class TokenizerConverter implements picocli.CommandLine.ITypeConverter<Tokenizer> {
        @Override
        public Tokenizer convert(String value) {
            return Tokenizer.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        }
    }
}
