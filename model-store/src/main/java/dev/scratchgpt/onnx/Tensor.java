package dev.scratchgpt.onnx;

import java.util.Arrays;

/**
 * A float tensor: its shape and its elements in row-major order. The array is shared, not
 * copied: treat it as read-only once handed over.
 */
public record Tensor(long[] shape, float[] data) {

    public Tensor {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " elements but " + data.length + " were given");
        }
        shape = shape.clone();
    }

    public static Tensor of(float[] data, long... shape) {
        return new Tensor(shape, data);
    }

    public long[] shape() {
        return shape.clone();
    }

    public int size() {
        return data.length;
    }

    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
