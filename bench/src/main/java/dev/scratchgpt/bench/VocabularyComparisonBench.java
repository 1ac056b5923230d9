package dev.scratchgpt.bench;

import ai.djl.Device;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.tokenizer.bpe.BpeTrainer;
import dev.scratchgpt.tokenizer.bpe.BytePairEncoding;
import dev.scratchgpt.tokenizer.bpe.SplitPattern;
import dev.scratchgpt.tokenizer.vocab.CharVocabulary;
import dev.scratchgpt.trainer.data.Batches;
import dev.scratchgpt.trainer.job.TrainingLoop;
import dev.scratchgpt.trainer.job.TrainingSpecs;
import dev.scratchgpt.trainer.v1.TrainingSpec;

import java.nio.file.Files;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * Issue 8's comparison: the same GPT (nanoGPT's CPU config), the same steps, batch and block,
 * trained once on the character vocabulary and once on a 512-token byte-level BPE vocabulary
 * of tinyshakespeare. Loss per token is not comparable across vocabularies, so the val loss is
 * turned into bits per character of the val text: loss / ln 2 * (val tokens / val characters).
 *
 * <pre>
 * bench/run VocabularyComparisonBench [--steps 2000] [--bpe-size 512]
 * </pre>
 *
 * Equal compute means equal steps of the same model shape; the BPE run's embedding and lm_head
 * are larger (512 vs 65 rows), and each of its tokens covers about two characters, so it sees
 * about twice the text. Both vocabularies are built from the whole corpus, as the course does.
 */
public final class VocabularyComparisonBench {

    public static void main(String[] args) throws Exception {
        int steps = 2000;
        int bpeSize = 512;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--bpe-size" -> bpeSize = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use [--steps N] [--bpe-size N]");
            }
        }
        TrainingSpec spec = TrainingSpecs.withDefaults(
                TrainBench.nanoGptCpu().setMaxSteps(steps).setEvalInterval(steps).build());
        spec = spec.toBuilder().setCheckpointInterval(steps).build();
        String text = Files.readString(SharedData.tinyShakespeare());

        CharVocabulary chars = CharVocabulary.of(text, false, Instant.now());
        Result charResult = train("char", spec, chars.encode(text), chars.size(), chars::decode);

        long t0 = System.nanoTime();
        BytePairEncoding bpe = BpeTrainer.train(text, bpeSize, SplitPattern.GPT2, List.of());
        double mergeSeconds = (System.nanoTime() - t0) / 1e9;
        Result bpeResult = train("bpe" + bpeSize, spec, bpe.encode(text), bpe.size(), bpe::decode);

        System.out.printf("steps=%d batch=%d block=%d n_layer=%d n_head=%d n_embd=%d; BPE merges trained in %.2f s%n",
                steps, spec.getBatchSize(), spec.getBlockSize(), spec.getNLayer(), spec.getNHead(), spec.getNEmbd(),
                mergeSeconds);
        System.out.println("vocabulary  V    tokens/char(val)  val loss (nats/token)  bits/char(val)  train s");
        for (Result r : List.of(charResult, bpeResult)) {
            System.out.printf("%-10s %4d  %16.4f  %21.4f  %14.4f  %7.1f%n", r.name, r.vocabSize, r.tokensPerChar,
                    r.valLoss, r.bitsPerChar(), r.seconds);
        }
    }

    private static Result train(String name, TrainingSpec spec, int[] ids, int vocabSize,
                                java.util.function.Function<int[], String> decode) throws Exception {
        // The loop splits the ids at train_fraction; the val text is what the val ids decode to.
        int split = (int) Batches.trainSize(ids.length, spec.getTrainFraction());
        String valText = decode.apply(Arrays.copyOfRange(ids, split, ids.length));
        double tokensPerChar = (double) (ids.length - split) / valText.codePointCount(0, valText.length());
        float[] val = {Float.NaN};
        long start = System.nanoTime();
        new TrainingLoop(spec, Arrays.stream(ids).asLongStream().toArray(), vocabSize, Device.cpu(),
                Files.createTempDirectory("vocab-bench"), new TrainingLoop.Listener() {
                    @Override
                    public void onStep(int step, float batchLoss, float lr, double seconds, int tokens) {
                    }

                    @Override
                    public void onEval(int step, float train, float v) {
                        val[0] = v;
                        System.out.printf("%s eval step=%d train_loss=%.4f val_loss=%.4f%n", name, step, train, v);
                    }
                }).run(() -> false);
        return new Result(name, vocabSize, tokensPerChar, val[0], (System.nanoTime() - start) / 1e9);
    }

    private record Result(String name, int vocabSize, double tokensPerChar, double valLoss, double seconds) {
        double bitsPerChar() {
            return valLoss / Math.log(2) * tokensPerChar;
        }
    }
}
