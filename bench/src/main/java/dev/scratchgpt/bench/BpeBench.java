package dev.scratchgpt.bench;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.tokenizer.bpe.BpeTrainer;
import dev.scratchgpt.tokenizer.bpe.BytePairEncoding;
import dev.scratchgpt.tokenizer.bpe.PretrainedEncoding;
import dev.scratchgpt.tokenizer.bpe.SplitPattern;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Byte-level BPE: merge training time on tinyshakespeare to 512 tokens, and encode
 * throughput of our encoder against jtokkit on the same text and the same published ranks.
 * Each encoder is warmed up, then timed over several passes, alternating between the two; the
 * best pass of each is reported (the machine is shared, so the best pass is the least
 * disturbed one). Before timing, the two outputs are checked to be equal.
 */
public final class BpeBench {

    private static final int WARMUP = 5;
    private static final int PASSES = 10;

    public static void main(String[] args) throws Exception {
        String text = Files.readString(SharedData.tinyShakespeare());
        double megabytes = text.getBytes(StandardCharsets.UTF_8).length / 1e6;
        System.out.printf("tinyshakespeare: %.2f MB, %d chars%n", megabytes, text.length());

        // Training: a fresh JVM's first run is what a CreateVocabulary call costs; later runs show the warm cost.
        for (int run = 1; run <= 3; run++) {
            long t0 = System.nanoTime();
            BpeTrainer trainer = new BpeTrainer(SplitPattern.GPT2, List.of());
            trainer.add(text);
            long t1 = System.nanoTime();
            BytePairEncoding trained = trainer.train(512);
            long t2 = System.nanoTime();
            System.out.printf("train to 512 (gpt2 split), run %d: %.2f s = split and count words %.2f s + 256 merges %.2f s"
                    + " (size %d)%n", run, (t2 - t0) / 1e9, (t1 - t0) / 1e9, (t2 - t1) / 1e9, trained.size());
        }

        EncodingRegistry registry = Encodings.newDefaultEncodingRegistry();
        for (PretrainedEncoding pretrained : PretrainedEncoding.values()) {
            BytePairEncoding ours = pretrained.load(List.of());
            Encoding jtokkit = registry.getEncoding(pretrained == PretrainedEncoding.R50K_BASE
                    ? EncodingType.R50K_BASE : EncodingType.CL100K_BASE);
            int[] expected = jtokkit.encodeOrdinary(text).toArray();
            if (!Arrays.equals(expected, ours.encode(text))) {
                throw new IllegalStateException(pretrained.id() + ": our ids differ from jtokkit's");
            }
            double[] seconds = bestOfInterleaved(t -> ours.encode(t).length, t -> jtokkit.encodeOrdinary(t).size(), text);
            double oursMbs = megabytes / seconds[0];
            double refMbs = megabytes / seconds[1];
            System.out.printf("encode %-11s ours %6.1f MB/s   jtokkit %6.1f MB/s   ratio %.2f   (%d tokens, identical)%n",
                    pretrained.id(), oursMbs, refMbs, oursMbs / refMbs, expected.length);
        }

        // Worst case: text with no split point is one piece; the merge must stay O(n log n).
        BytePairEncoding cl100k = PretrainedEncoding.CL100K_BASE.load(List.of());
        String onePiece = "a".repeat(4_000_000);
        long t0 = System.nanoTime();
        int tokens = cl100k.encode(onePiece).length;
        System.out.printf("encode cl100k_base, 4 MB single piece (\"aaaa...\"): %.2f s (%d tokens)%n",
                (System.nanoTime() - t0) / 1e9, tokens);
    }

    /**
     * Seconds of the fastest of {@link #PASSES} timed passes of each encoder, after
     * {@link #WARMUP} untimed ones. Passes alternate between the two, so that load from other
     * processes on this shared machine falls on both alike.
     */
    private static double[] bestOfInterleaved(ToIntFunction<String> ours, ToIntFunction<String> reference, String text) {
        long sink = 0;
        for (int i = 0; i < WARMUP; i++) {
            sink += ours.applyAsInt(text) + reference.applyAsInt(text);
        }
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
        for (int i = 0; i < PASSES; i++) {
            long t0 = System.nanoTime();
            sink += ours.applyAsInt(text);
            long t1 = System.nanoTime();
            sink += reference.applyAsInt(text);
            long t2 = System.nanoTime();
            best[0] = Math.min(best[0], (t1 - t0) / 1e9);
            best[1] = Math.min(best[1], (t2 - t1) / 1e9);
        }
        if (sink == 42) {
            System.out.println();
        }
        return best;
    }
}
