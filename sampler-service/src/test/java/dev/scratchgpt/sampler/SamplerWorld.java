package dev.scratchgpt.sampler;

import dev.scratchgpt.sampler.v1.GenerateRequest;
import dev.scratchgpt.sampler.v1.GenerateStreamResponse;
import dev.scratchgpt.sampler.v1.SamplerGrpc;
import dev.scratchgpt.testing.ServiceProcess;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * For the fault tests (*IT, after packaging): the real tokenizer as a process with the course's
 * vocabulary in it, a model store folder, and the packaged sampler as a process over both, so a
 * test can publish into the store, stop the tokenizer or send the sampler SIGTERM.
 */
final class SamplerWorld implements AutoCloseable {

    final ServiceProcess tokenizer;
    final String vocabularyId;
    final Path store;
    private final List<ServiceProcess> samplers = new ArrayList<>();

    SamplerWorld() {
        tokenizer = ServiceProcess.start("tokenizer-service", Map.of());
        vocabularyId = SamplerTestResource.createShakespeareVocabulary(tokenizer.port());
        try {
            store = Files.createTempDirectory("sampler-fault-store");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sampler over this store and tokenizer, one ORT thread, the store read every 200 ms. */
    ServiceProcess startSampler(Map<String, String> properties) {
        Map<String, String> all = new HashMap<>(Map.of(
                "quarkus.grpc.clients.tokenizer.host", "127.0.0.1",
                "quarkus.grpc.clients.tokenizer.port", String.valueOf(tokenizer.port()),
                "scratchgpt.sampler.store-dir", store.toString(),
                "scratchgpt.sampler.device", "cpu",
                "scratchgpt.sampler.watch-interval", "200ms"));
        all.putAll(properties);
        ServiceProcess sampler = ServiceProcess.start("sampler-service", all);
        samplers.add(sampler);
        return sampler;
    }

    @Override
    public void close() {
        samplers.forEach(ServiceProcess::close);
        tokenizer.close();
        deleteTree(store);
    }

    /** The sampler's gauge of generations running on a model version, read from its /q/metrics. */
    static int activeGenerations(ServiceProcess sampler, String model, int version) {
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sampler.port() + "/q/metrics")).build();
        try {
            String metrics = HttpClient.newHttpClient().send(get, HttpResponse.BodyHandlers.ofString()).body();
            return metrics.lines()
                    .filter(l -> l.startsWith("scratchgpt_sampler_generations_active{")
                            && l.contains("model=\"" + model + "\"") && l.contains("version=\"" + version + "\""))
                    .mapToInt(l -> (int) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .findFirst().orElse(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One GenerateStream call, recorded as it arrives. */
    static final class RecordedStream implements StreamObserver<GenerateStreamResponse> {
        final List<GenerateStreamResponse> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
        final CountDownLatch firstPiece = new CountDownLatch(1);
        final CountDownLatch ended = new CountDownLatch(1);
        volatile Status error;

        static RecordedStream open(ManagedChannel channel, GenerateRequest request) {
            RecordedStream s = new RecordedStream();
            SamplerGrpc.newStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES).generateStream(request, s);
            return s;
        }

        @Override
        public void onNext(GenerateStreamResponse m) {
            messages.add(m);
            firstPiece.countDown();
        }

        @Override
        public void onError(Throwable t) {
            error = Status.fromThrowable(t);
            firstPiece.countDown();
            ended.countDown();
        }

        @Override
        public void onCompleted() {
            ended.countDown();
        }

        boolean hasEnded() {
            return ended.getCount() == 0;
        }

        void awaitEnd(long seconds) throws InterruptedException {
            if (!ended.await(seconds, TimeUnit.SECONDS)) {
                throw new AssertionError("the stream did not end within " + seconds + " s");
            }
        }

        /** The last message: the one with the finish reasons and the version the stream ran on. */
        GenerateStreamResponse last() {
            return messages.get(messages.size() - 1);
        }

        int tokens() {
            return messages.stream().mapToInt(GenerateStreamResponse::getTokenIdsCount).sum();
        }
    }
}
