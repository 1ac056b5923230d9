package dev.scratchgpt.bench;

import dev.scratchgpt.testing.ServiceProcess;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.tokenizer.v1.CreateVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.EncodeRequest;
import dev.scratchgpt.tokenizer.v1.EncodeResponse;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import dev.scratchgpt.tokenizer.vocab.CharVocabulary;
import io.grpc.ManagedChannel;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * The character tokenizer: in-process encode and decode MB/s on tinyshakespeare, side by side
 * with the course's dict approach written the obvious Java way ({@code HashMap<Character,
 * Integer>} stoi into a {@code List<Integer>}, {@code HashMap<Integer, Character>} itos); then
 * a 1 MB Encode round trip over gRPC to the packaged tokenizer started as a real process.
 * In-process numbers are the best of several passes (the machine is shared).
 */
public final class TokenizerBench {

    private static final int WARMUP = 10;
    private static final int PASSES = 20;
    private static final int GRPC_WARMUP = 10;
    private static final int GRPC_CALLS = 50;

    public static void main(String[] args) throws Exception {
        System.out.println("load before: " + Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
        String text = Files.readString(SharedData.tinyShakespeare());
        double megabytes = text.getBytes(StandardCharsets.UTF_8).length / 1e6;
        System.out.printf("tinyshakespeare: %.3f MB, %d chars%n", megabytes, text.length());

        CharVocabulary vocabulary = CharVocabulary.of(text, false, Instant.now());
        int[] ids = vocabulary.encode(text);
        Map<Character, Integer> stoi = new HashMap<>();
        Map<Integer, Character> itos = new HashMap<>();
        for (int id = 0; id < vocabulary.size(); id++) {
            stoi.put(vocabulary.token(id).charAt(0), id);
            itos.put(id, vocabulary.token(id).charAt(0));
        }
        if (!Arrays.equals(ids, naiveEncode(stoi, text).stream().mapToInt(Integer::intValue).toArray())
                || !text.equals(vocabulary.decode(ids)) || !text.equals(naiveDecode(itos, ids))) {
            throw new IllegalStateException("encoders disagree");
        }

        double encode = megabytes / best(t -> vocabulary.encode(t).length, text);
        double naiveEnc = megabytes / best(t -> naiveEncode(stoi, t).size(), text);
        double decode = megabytes / best(t -> vocabulary.decode(ids).length(), text);
        double naiveDec = megabytes / best(t -> naiveDecode(itos, ids).length(), text);
        System.out.printf("in-process encode: ours %7.1f MB/s   HashMap<Character,Integer> %6.1f MB/s   ratio %.1f%n",
                encode, naiveEnc, encode / naiveEnc);
        System.out.printf("in-process decode: ours %7.1f MB/s   HashMap<Integer,Character> %6.1f MB/s   ratio %.1f%n",
                decode, naiveDec, decode / naiveDec);

        String oneMegabyte = text.substring(0, 1_000_000);
        try (ServiceProcess tokenizer = ServiceProcess.start("tokenizer-service", Map.of())) {
            ManagedChannel channel = tokenizer.channel();
            TokenizerGrpc.TokenizerBlockingStub stub = TokenizerGrpc.newBlockingStub(channel);
            String id = stub.createVocabulary(CreateVocabularyRequest.newBuilder().setText(text).build())
                    .getVocabularyId();
            EncodeRequest request = EncodeRequest.newBuilder().setVocabularyId(id).setText(oneMegabyte).build();
            long[] millis = new long[GRPC_CALLS];
            for (int i = 0; i < GRPC_WARMUP + GRPC_CALLS; i++) {
                long t0 = System.nanoTime();
                EncodeResponse response = stub.withDeadlineAfter(60, TimeUnit.SECONDS).encode(request);
                long elapsed = System.nanoTime() - t0;
                if (response.getIdsCount() != oneMegabyte.length()) {
                    throw new IllegalStateException("got " + response.getIdsCount() + " ids");
                }
                if (i >= GRPC_WARMUP) {
                    millis[i - GRPC_WARMUP] = elapsed / 1_000_000;
                }
            }
            channel.shutdownNow();
            Arrays.sort(millis);
            double inProcessMillis = best(t -> vocabulary.encode(t).length, oneMegabyte) * 1000;
            System.out.printf("gRPC Encode of 1 MB (%d calls after %d warm-up): p50 %d ms   p99 %d ms   max %d ms"
                            + "   (in-process encode of the same text: %.2f ms)%n",
                    GRPC_CALLS, GRPC_WARMUP, percentile(millis, 50), percentile(millis, 99), millis[GRPC_CALLS - 1],
                    inProcessMillis);
        }
        System.out.println("load after: " + Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
    }

    /** The course's {@code [stoi[c] for c in s]} written the obvious Java way. */
    static List<Integer> naiveEncode(Map<Character, Integer> stoi, String s) {
        List<Integer> out = new ArrayList<>();
        for (char c : s.toCharArray()) {
            out.add(stoi.get(c));
        }
        return out;
    }

    /** The course's {@code ''.join([itos[i] for i in l])}. */
    static String naiveDecode(Map<Integer, Character> itos, int[] ids) {
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            out.append(itos.get(id));
        }
        return out.toString();
    }

    /** Nearest-rank percentile of sorted values. */
    static long percentile(long[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** Seconds of the fastest of {@link #PASSES} timed passes, after {@link #WARMUP} untimed ones. */
    private static double best(ToIntFunction<String> run, String text) {
        long sink = 0;
        for (int i = 0; i < WARMUP; i++) {
            sink += run.applyAsInt(text);
        }
        double best = Double.MAX_VALUE;
        for (int i = 0; i < PASSES; i++) {
            long t0 = System.nanoTime();
            sink += run.applyAsInt(text);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        if (sink == 42) {
            System.out.println();
        }
        return best;
    }
}
