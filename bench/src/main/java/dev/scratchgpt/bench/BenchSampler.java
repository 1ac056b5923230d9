package dev.scratchgpt.bench;

import dev.scratchgpt.onnx.ModelConfig;
import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.onnx.ModelWeights;
import dev.scratchgpt.store.Manifest;
import dev.scratchgpt.store.ModelStore;
import dev.scratchgpt.testing.ServiceProcess;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.tokenizer.v1.CreateVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import io.grpc.ManagedChannel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The packaged tokenizer and sampler started as real processes, with the model "bench" in the
 * sampler's store: nanoGPT's CPU-config GPT at block 256 ({@link #CPU_CONFIG}) with random weights
 * (speed does not depend on their values) over tinyshakespeare's character vocabulary. The
 * service benchmarks (SampleBench, LoadBench) measure against this one setup.
 */
final class BenchSampler implements AutoCloseable {

    /** n_layer 4, n_head 4, n_embd 128, vocab 65, block 256, biases. */
    static final ModelConfig CPU_CONFIG = new ModelConfig(65, 256, 4, 4, 128, true, true);
    static final String MODEL = "bench";

    private final ServiceProcess tokenizer;
    private final ServiceProcess sampler;
    /** The sampler's data directory: made here, so removed here (ServiceProcess keeps one passed in). */
    private final Path samplerData;

    private BenchSampler(ServiceProcess tokenizer, ServiceProcess sampler, Path samplerData) {
        this.tokenizer = tokenizer;
        this.sampler = sampler;
        this.samplerData = samplerData;
    }

    /**
     * Starts both services; {@code maxConcurrent} is the sampler's
     * {@code scratchgpt.sampler.max-concurrent}, empty for its default (2 x cores).
     */
    static BenchSampler start(OptionalInt maxConcurrent) throws IOException {
        ServiceProcess tokenizer = ServiceProcess.start("tokenizer-service", Map.of());
        try {
            String vocabularyId;
            ManagedChannel t = tokenizer.channel();
            try {
                vocabularyId = TokenizerGrpc.newBlockingStub(t).createVocabulary(CreateVocabularyRequest.newBuilder()
                        .setText(Files.readString(SharedData.tinyShakespeare())).build()).getVocabularyId();
            } finally {
                t.shutdownNow();
            }
            Path data = Files.createTempDirectory("bench-sampler-data");
            new ModelStore(data.resolve("models")).publish(MODEL, ModelWeights.random(ModelType.GPT, CPU_CONFIG, 1),
                    vocabularyId, Manifest.Training.none());
            Map<String, String> properties = new HashMap<>(Map.of(
                    "quarkus.grpc.clients.tokenizer.host", "127.0.0.1",
                    "quarkus.grpc.clients.tokenizer.port", String.valueOf(tokenizer.port()),
                    "scratchgpt.sampler.device", "cpu"));
            maxConcurrent.ifPresent(n -> properties.put("scratchgpt.sampler.max-concurrent", String.valueOf(n)));
            return new BenchSampler(tokenizer, ServiceProcess.start("sampler-service", data, ServiceProcess.freePort(),
                    properties), data);
        } catch (IOException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    ServiceProcess sampler() {
        return sampler;
    }

    ManagedChannel channel() {
        return sampler.channel();
    }

    @Override
    public void close() {
        try {
            sampler.close();
        } finally {
            tokenizer.close();
            try (var paths = Files.walk(samplerData)) {
                paths.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                // a leftover in the temp folder does not change a measurement
            }
        }
    }
}
