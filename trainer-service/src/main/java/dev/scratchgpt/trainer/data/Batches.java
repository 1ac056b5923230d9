package dev.scratchgpt.trainer.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The encoded corpus as one int64 tensor on the training device, split into train and val
 * (the first {@code trainFraction} of the ids train), and the course's get_batch: B random
 * offsets from the engine's RNG, gathered with an index tensor. No Java loop per sample and no
 * copy through the host.
 */
public final class Batches implements AutoCloseable {

    private final NDManager manager;
    private final NDArray train;
    private final NDArray val;

    public Batches(NDManager parent, long[] ids, float trainFraction) {
        this.manager = parent.newSubManager();
        NDArray data = manager.create(ids);
        long n = trainSize(ids.length, trainFraction);
        this.train = data.get(new NDIndex(":{}", n));
        this.val = data.get(new NDIndex("{}:", n));
    }

    /** Ids in the train split for a corpus of {@code total} ids, as int(0.9 * len(data)). */
    public static long trainSize(long total, float trainFraction) {
        // via the decimal form: 0.9f widened to double is 0.89999997 and would lose an id
        return (long) (Double.parseDouble(Float.toString(trainFraction)) * total);
    }

    public long trainSize() {
        return train.size();
    }

    public long valSize() {
        return val.size();
    }

    /**
     * (x, y), each (batch, block) int64: contexts and their next-token targets from the split.
     * The arrays belong to {@code m} (a step's scope); the RNG is the engine's, seeded by the caller.
     */
    public NDList sample(NDManager m, boolean validation, int batch, int block) {
        NDArray data = validation ? val : train;
        long n = data.size();
        NDArray offsets = m.randomInteger(0, n - block, new Shape(batch, 1), DataType.INT64);
        NDArray positions = offsets.add(m.arange(0, block, 1, DataType.INT64)); // (B, T)
        NDArray x = data.take(m, positions);
        NDArray y = data.take(m, positions.add(1));
        return new NDList(x, y);
    }

    @Override
    public void close() {
        manager.close();
    }
}
