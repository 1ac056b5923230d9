package dev.scratchgpt.trainer.data;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchesTest {

    /** ids[i] = i, so a context is a run of consecutive numbers and its target is shifted by one. */
    private static long[] counting(int n) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        return ids;
    }

    @Test
    void contextsAreContiguousRunsAndTargetsTheNextTokens() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Batches batches = new Batches(m, counting(1000), 0.9f)) {
            assertEquals(900, batches.trainSize());
            assertEquals(100, batches.valSize());
            EngineRandom.seed(1, 0);
            NDList xy = batches.sample(m, false, 16, 8);
            assertEquals(new Shape(16, 8), xy.get(0).getShape());
            long[] x = xy.get(0).toLongArray();
            long[] y = xy.get(1).toLongArray();
            for (int b = 0; b < 16; b++) {
                for (int t = 0; t < 8; t++) {
                    assertEquals(x[b * 8] + t, x[b * 8 + t]);
                    assertEquals(x[b * 8 + t] + 1, y[b * 8 + t]);
                }
                assertTrue(y[b * 8 + 7] < 900, "train targets stay in the train split");
            }
            NDList val = batches.sample(m, true, 16, 8);
            for (long v : val.get(0).toLongArray()) {
                assertTrue(v >= 900, "val contexts come from the last 10%");
            }
        }
    }

    @Test
    void theSameSeedDrawsTheSameBatchAndAnotherSeedAnother() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Batches batches = new Batches(m, counting(5000), 0.9f)) {
            EngineRandom.seed(1337, 3);
            long[] a = batches.sample(m, false, 8, 4).get(0).toLongArray();
            EngineRandom.seed(1337, 3);
            long[] b = batches.sample(m, false, 8, 4).get(0).toLongArray();
            EngineRandom.seed(1337, 4);
            long[] c = batches.sample(m, false, 8, 4).get(0).toLongArray();
            assertArrayEquals(a, b);
            assertFalse(java.util.Arrays.equals(a, c));
        }
    }
}
