/** Benchmarks, one main class each; run with {@code bench/run NAME}. */
package dev.scratchgpt.bench;
