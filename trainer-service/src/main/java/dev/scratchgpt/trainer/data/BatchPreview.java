package dev.scratchgpt.trainer.data;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.scratchgpt.tokenizer.v1.Vocabulary;
import dev.scratchgpt.trainer.v1.BatchRow;
import dev.scratchgpt.trainer.v1.ContextTarget;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The course's print_decoded_batch and its "when input is [18, 47] the target is 56" walk:
 * one batch drawn exactly as step 0 of a job with the same seed draws it, decoded.
 */
public final class BatchPreview {

    private BatchPreview() {
    }

    public static java.util.List<BatchRow> rows(long[] ids, Vocabulary vocabulary, boolean validation, int batch,
                                                int block, long seed, float trainFraction) {
        long[][] x;
        long[][] y;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
             Batches batches = new Batches(manager, ids, trainFraction)) {
            long splitSize = validation ? batches.valSize() : batches.trainSize();
            if (splitSize <= block) {
                throw dev.scratchgpt.trainer.TrainerError.invalid("block_size " + block + " must be smaller than the "
                        + (validation ? "val" : "train") + " split, which holds " + splitSize + " tokens");
            }
            NDList xy;
            synchronized (EngineRandom.LOCK) {
                EngineRandom.seed(seed, 0);
                xy = batches.sample(manager, validation, batch, block);
            }
            x = reshape(xy.get(0).toLongArray(), batch, block);
            y = reshape(xy.get(1).toLongArray(), batch, block);
        }
        java.util.List<BatchRow> rows = new java.util.ArrayList<>();
        for (int b = 0; b < batch; b++) {
            BatchRow.Builder row = BatchRow.newBuilder()
                    .setContextText(decode(vocabulary, x[b], block)).setTargetText(decode(vocabulary, y[b], block));
            for (int t = 0; t < block; t++) {
                row.addContextIds((int) x[b][t]).addTargetIds((int) y[b][t]);
                row.addWalk(ContextTarget.newBuilder()
                        .addAllContextIds(java.util.Arrays.stream(x[b], 0, t + 1).mapToInt(v -> (int) v).boxed().toList())
                        .setTargetId((int) y[b][t])
                        .setContextText(decode(vocabulary, x[b], t + 1))
                        .setTargetText(decode(vocabulary, new long[]{y[b][t]}, 1)));
            }
            rows.add(row.build());
        }
        return rows;
    }

    private static long[][] reshape(long[] flat, int rows, int cols) {
        long[][] out = new long[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * cols, out[r], 0, cols);
        }
        return out;
    }

    /** The tokens' exact bytes, joined and read as UTF-8 (U+FFFD where a BPE cut splits a character). */
    private static String decode(Vocabulary vocabulary, long[] ids, int n) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            bytes.writeBytes(vocabulary.getTokenBytes((int) ids[i]).toByteArray());
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
