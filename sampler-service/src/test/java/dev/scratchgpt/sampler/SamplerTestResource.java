package dev.scratchgpt.sampler;

import dev.scratchgpt.onnx.ModelConfig;
import dev.scratchgpt.onnx.ModelType;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.testing.TokenizerServiceResource;
import dev.scratchgpt.tokenizer.v1.CreateVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The sampler's world for a test: the real tokenizer service (with the course's tinyshakespeare
 * vocabulary created in it) and a model store in a temporary folder holding models exported by
 * model-store's exporter. Tests add versions to that store while the sampler runs.
 */
public class SamplerTestResource implements QuarkusTestResourceLifecycleManager {

    /** Small gpt, block 16. */
    static final String SMALL = "shakespeare";
    static final String BIGRAM = "bigram";
    /** nanoGPT CPU-config sized gpt at block 256: slow enough past the block to cancel mid-way. */
    static final String BIG = "big";
    static final String HOT = "hot";
    static final String TAMPER = "tamper";
    static final String STRANGER = "stranger";

    public static final int BLOCK = 16;

    private final TokenizerServiceResource tokenizer = new TokenizerServiceResource();
    private Path store;

    static ModelConfig bigConfig() {
        return new ModelConfig(65, 256, 4, 4, 128, true, true);
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(tokenizer.start());
        String vocabularyId = createShakespeareVocabulary(Integer.parseInt(config.get("quarkus.grpc.clients.tokenizer.port")));
        try {
            store = Files.createTempDirectory("sampler-test-store");
            TestModels.publish(store, SMALL, ModelType.GPT, TestModels.smallGpt(65, BLOCK), vocabularyId, 1);
            TestModels.publish(store, BIGRAM, ModelType.BIGRAM, ModelConfig.bigram(65, BLOCK), vocabularyId, 2);
            TestModels.publish(store, BIG, ModelType.GPT, bigConfig(), vocabularyId, 3);
            TestModels.publish(store, HOT, ModelType.GPT, bigConfig(), vocabularyId, 4);
            TestModels.publish(store, TAMPER, ModelType.GPT, TestModels.smallGpt(65, BLOCK), vocabularyId, 5);
            TestModels.publish(store, STRANGER, ModelType.GPT, TestModels.smallGpt(65, BLOCK), vocabularyId, 6);
            config.put("scratchgpt.sampler.store-dir", store.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        config.put("scratchgpt.test.vocabulary-id", vocabularyId);
        config.put("scratchgpt.sampler.max-concurrent", "2");
        config.put("scratchgpt.sampler.watch-interval", "200ms");
        return config;
    }

    static String createShakespeareVocabulary(int port) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            return TokenizerGrpc.newBlockingStub(channel).createVocabulary(CreateVocabularyRequest.newBuilder()
                    .setText(Files.readString(SharedData.tinyShakespeare())).build()).getVocabularyId();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            channel.shutdownNow();
        }
    }

    @Override
    public void stop() {
        tokenizer.stop();
        if (store != null) {
            try (Stream<Path> files = Files.walk(store)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
