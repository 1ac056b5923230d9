package dev.scratchgpt.trainer.job;

import dev.scratchgpt.tokenizer.v1.VocabularyKind;
import dev.scratchgpt.trainer.TrainerError;
import dev.scratchgpt.trainer.data.Batches;
import dev.scratchgpt.trainer.v1.LrSchedule;
import dev.scratchgpt.trainer.v1.ModelType;
import dev.scratchgpt.trainer.v1.TrainingSpec;

import java.util.regex.Pattern;

/**
 * The course's defaults for every unset field of a {@link TrainingSpec}, and the allowed range
 * of every field. A bad value is refused with INVALID_ARGUMENT naming the field, the value and
 * what is allowed, before any work starts.
 */
public final class TrainingSpecs {

    private static final Pattern MODEL_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    private TrainingSpecs() {
    }

    /**
     * Every field set: bigram as the seed notebook trains it, gpt as the course's gpt.py ends
     * (weight decay, beta2 and clipping as nanoGPT).
     */
    public static TrainingSpec withDefaults(TrainingSpec in) {
        ModelType type = in.getModelType();
        if (type != ModelType.MODEL_TYPE_BIGRAM && type != ModelType.MODEL_TYPE_GPT) {
            throw TrainerError.invalid("spec.model_type " + in.getModelTypeValue()
                    + " is not a model type; use MODEL_TYPE_BIGRAM or MODEL_TYPE_GPT");
        }
        boolean gpt = type == ModelType.MODEL_TYPE_GPT;
        TrainingSpec.Builder b = in.toBuilder();
        if (!in.hasBatchSize()) b.setBatchSize(gpt ? 64 : 32);
        if (!in.hasBlockSize()) b.setBlockSize(gpt ? 256 : 8);
        if (!in.hasMaxSteps()) b.setMaxSteps(gpt ? 5000 : 10999);
        if (!in.hasLearningRate()) b.setLearningRate(gpt ? 3e-4f : 1e-3f);
        if (!in.hasEvalInterval()) b.setEvalInterval(gpt ? 500 : 1000);
        if (!in.hasEvalIters()) b.setEvalIters(200);
        if (gpt) {
            if (!in.hasNEmbd()) b.setNEmbd(384);
            if (!in.hasNHead()) b.setNHead(6);
            if (!in.hasNLayer()) b.setNLayer(6);
            if (!in.hasDropout()) b.setDropout(0.2f);
            if (!in.hasBias()) b.setBias(true);
            if (!in.hasTieWeights()) b.setTieWeights(true);
        }
        if (!in.hasSeed()) b.setSeed(1337);
        if (!in.hasDevice() || in.getDevice().isBlank()) b.setDevice("auto");
        if (!in.hasTrainFraction()) b.setTrainFraction(0.9f);
        if (!in.hasWeightDecay()) b.setWeightDecay(gpt ? 0.1f : 0.01f);
        if (!in.hasBeta1()) b.setBeta1(0.9f);
        if (!in.hasBeta2()) b.setBeta2(gpt ? 0.99f : 0.999f);
        if (!in.hasEps()) b.setEps(1e-8f);
        if (!in.hasGradClip()) b.setGradClip(gpt ? 1.0f : 0f);
        if (in.getLrSchedule() == LrSchedule.LR_SCHEDULE_UNSPECIFIED) b.setLrSchedule(LrSchedule.LR_SCHEDULE_CONSTANT);
        if (b.getLrSchedule() == LrSchedule.LR_SCHEDULE_COSINE) {
            if (!in.hasWarmupSteps()) b.setWarmupSteps(100);
            if (!in.hasMinLearningRate()) b.setMinLearningRate(b.getLearningRate() / 10);
        }
        if (!in.hasCheckpointInterval()) b.setCheckpointInterval(b.getEvalInterval());
        if (in.getVocabularyKind() == VocabularyKind.VOCABULARY_KIND_UNSPECIFIED) {
            b.setVocabularyKind(VocabularyKind.VOCABULARY_KIND_CHAR);
        }
        if (b.getVocabularyKind() == VocabularyKind.VOCABULARY_KIND_BPE && !in.hasBpeVocabSize()) {
            b.setBpeVocabSize(512);
        }
        TrainingSpec spec = b.build();
        validate(spec);
        return spec;
    }

    /** Ranges that do not depend on the corpus. */
    static void validate(TrainingSpec s) {
        range("spec.batch_size", s.getBatchSize(), 1, 4096);
        range("spec.block_size", s.getBlockSize(), 1, 4096);
        range("spec.max_steps", s.getMaxSteps(), 1, 10_000_000);
        if (!(s.getLearningRate() > 0 && s.getLearningRate() <= 1)) {
            throw TrainerError.invalid("spec.learning_rate " + s.getLearningRate() + " is outside the allowed range (0, 1]");
        }
        range("spec.eval_interval", s.getEvalInterval(), 1, Integer.MAX_VALUE);
        range("spec.eval_iters", s.getEvalIters(), 1, 100_000);
        if (s.getModelType() == ModelType.MODEL_TYPE_GPT) {
            range("spec.n_embd", s.getNEmbd(), 1, 16384);
            range("spec.n_head", s.getNHead(), 1, 1024);
            range("spec.n_layer", s.getNLayer(), 1, 256);
            if (s.getNEmbd() % s.getNHead() != 0) {
                throw TrainerError.invalid("spec.n_embd " + s.getNEmbd() + " must be divisible by spec.n_head "
                        + s.getNHead() + " (each head gets n_embd / n_head dimensions)");
            }
            if (!(s.getDropout() >= 0 && s.getDropout() < 1)) {
                throw TrainerError.invalid("spec.dropout " + s.getDropout() + " is outside the allowed range [0, 1)");
            }
        }
        if (!(s.getTrainFraction() > 0 && s.getTrainFraction() < 1)) {
            throw TrainerError.invalid("spec.train_fraction " + s.getTrainFraction() + " is outside the allowed range (0, 1)");
        }
        if (!(s.getWeightDecay() >= 0 && s.getWeightDecay() <= 1)) {
            throw TrainerError.invalid("spec.weight_decay " + s.getWeightDecay() + " is outside the allowed range [0, 1]");
        }
        if (!(s.getBeta1() >= 0 && s.getBeta1() < 1)) {
            throw TrainerError.invalid("spec.beta1 " + s.getBeta1() + " is outside the allowed range [0, 1)");
        }
        if (!(s.getBeta2() >= 0 && s.getBeta2() < 1)) {
            throw TrainerError.invalid("spec.beta2 " + s.getBeta2() + " is outside the allowed range [0, 1)");
        }
        if (!(s.getEps() > 0 && s.getEps() <= 1)) {
            throw TrainerError.invalid("spec.eps " + s.getEps() + " is outside the allowed range (0, 1]");
        }
        if (!(s.getGradClip() >= 0 && Float.isFinite(s.getGradClip()))) {
            throw TrainerError.invalid("spec.grad_clip " + s.getGradClip() + " must be 0 (off) or a positive number");
        }
        if (s.getLrSchedule() == LrSchedule.LR_SCHEDULE_COSINE) {
            range("spec.warmup_steps", s.getWarmupSteps(), 0, 10_000_000); // may exceed max_steps, as nanoGPT allows
            if (!(s.getMinLearningRate() >= 0 && s.getMinLearningRate() <= s.getLearningRate())) {
                throw TrainerError.invalid("spec.min_learning_rate " + s.getMinLearningRate()
                        + " is outside the allowed range [0, learning_rate " + s.getLearningRate() + "]");
            }
        } else if (s.getLrSchedule() != LrSchedule.LR_SCHEDULE_CONSTANT) {
            throw TrainerError.invalid("spec.lr_schedule " + s.getLrScheduleValue()
                    + " is not a schedule; use LR_SCHEDULE_CONSTANT or LR_SCHEDULE_COSINE");
        }
        range("spec.checkpoint_interval", s.getCheckpointInterval(), 1, Integer.MAX_VALUE);
        if (s.getVocabularyKind() == VocabularyKind.VOCABULARY_KIND_BPE) {
            range("spec.bpe_vocab_size", s.getBpeVocabSize(), 257, 100_000);
        } else if (s.getVocabularyKind() != VocabularyKind.VOCABULARY_KIND_CHAR) {
            throw TrainerError.invalid("spec.vocabulary_kind " + s.getVocabularyKindValue()
                    + " is not a vocabulary kind; use VOCABULARY_KIND_CHAR or VOCABULARY_KIND_BPE");
        }
    }

    /** Checks that need the encoded corpus: both splits must hold more than one context. */
    public static void validateAgainstCorpus(TrainingSpec s, long tokens) {
        long train = Batches.trainSize(tokens, s.getTrainFraction());
        long val = tokens - train;
        long smaller = Math.min(train, val);
        if (smaller <= s.getBlockSize()) {
            throw TrainerError.invalid("spec.block_size " + s.getBlockSize() + " must be smaller than the "
                    + (val <= train ? "val" : "train") + " split, which holds " + smaller + " tokens of the corpus's "
                    + tokens + " (train_fraction " + s.getTrainFraction() + "); allowed 1.." + Math.max(0, smaller - 1)
                    + ", or use a larger corpus");
        }
    }

    public static String modelName(String requested) {
        String name = requested == null || requested.isEmpty() ? "model" : requested;
        if (!MODEL_NAME.matcher(name).matches()) {
            throw TrainerError.invalid("model_name '" + requested + "' must match [a-z0-9][a-z0-9._-]{0,62}");
        }
        return name;
    }

    private static void range(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw TrainerError.invalid(field + " " + value + (max == Integer.MAX_VALUE
                    ? " must be at least " + min
                    : " is outside the allowed range " + min + ".." + max));
        }
    }
}
