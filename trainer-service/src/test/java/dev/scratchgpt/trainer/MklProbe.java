package dev.scratchgpt.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** One float matrix multiply through DJL's libtorch, for MklCpuDispatchIT to start in a child JVM. */
public final class MklProbe {

    public static void main(String[] args) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.randomNormal(new Shape(256, 256));
            System.out.println("sum " + a.matMul(a).sum().getFloat());
        }
    }
}
