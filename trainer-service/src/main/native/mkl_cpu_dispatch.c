/*
 * Preloaded into the trainer's JVM (LD_PRELOAD, see ./environment) so that the MKL inside
 * libtorch picks its matrix-multiply kernels from the CPU's instruction sets on every vendor.
 *
 * oneMKL (statically linked into DJL's libtorch_cpu.so, which exports its symbols) asks
 * mkl_serv_intel_cpu_true() and mkl_serv_intel_cpu() before taking any AVX2 or AVX-512 code
 * path, and on AMD CPUs they say no: sgemm then runs MKL's generic path. MKL 2024 needs both
 * answered (with only the first it stays generic, with only the second it drops to SSE2). On this project's AMD EPYC (Zen 4) that
 * made a nanoGPT-CPU training step about 13% slower than with the AVX-512 path
 * (BENCHMARKS.md, "Trainer"). MKL still checks the instruction sets itself after this
 * answer, so a CPU without AVX-512 gets the AVX2 path, and one without AVX2 the older ones.
 * On Intel CPUs the answer is 1 anyway and nothing changes.
 *
 * Proven by MklCpuDispatchIT (MKL_VERBOSE names the path with and without this library).
 */
int mkl_serv_intel_cpu_true(void) {
    return 1;
}

int mkl_serv_intel_cpu(void) {
    return 1;
}
