package dev.scratchgpt.sampler;

import com.google.protobuf.Timestamp;
import dev.scratchgpt.sampler.generate.FinishReason;
import dev.scratchgpt.sampler.generate.Generation;
import dev.scratchgpt.sampler.models.ModelRegistry;
import dev.scratchgpt.sampler.models.VersionManifest;
import dev.scratchgpt.sampler.models.VersionStatus;
import dev.scratchgpt.sampler.v1.GenerateRequest;
import dev.scratchgpt.sampler.v1.GenerateResponse;
import dev.scratchgpt.sampler.v1.GenerateStreamResponse;
import dev.scratchgpt.sampler.v1.ListModelsRequest;
import dev.scratchgpt.sampler.v1.ListModelsResponse;
import dev.scratchgpt.sampler.v1.LoadModelRequest;
import dev.scratchgpt.sampler.v1.ModelInfo;
import dev.scratchgpt.sampler.v1.ModelState;
import dev.scratchgpt.sampler.v1.ModelVersion;
import dev.scratchgpt.sampler.v1.Sample;
import dev.scratchgpt.sampler.v1.SamplerGrpc;
import dev.scratchgpt.sampler.v1.UnloadModelRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;

import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * The Sampler gRPC service: validates, delegates and maps results to messages. Generations
 * run on the sampler's own threads (see {@link GenerationSlots}); the model-control methods
 * may read the store or load a model, so they are {@link Blocking}.
 */
@GrpcService
public class SamplerEndpoint extends SamplerGrpc.SamplerImplBase {

    @Inject
    SamplerService service;

    @Inject
    ModelRegistry registry;

    @Override
    public void generate(GenerateRequest request, StreamObserver<GenerateResponse> responses) {
        start(request, responses, new SamplerService.Sink() {
            @Override
            public void piece(int sample, String text, int[] tokenIds, String model, int version) {
            }

            @Override
            public void done(Generation g, String model, int version, long seed) {
                GenerateResponse.Builder r = GenerateResponse.newBuilder()
                        .setModel(model).setVersion(version).setSeed(seed).setPromptTokens(g.promptTokens());
                for (Generation.Sample s : g.samples()) {
                    r.addSamples(Sample.newBuilder().setIndex(s.index()).setText(s.text())
                            .addAllTokenIds(Arrays.stream(s.tokenIds()).boxed().toList())
                            .setFinishReason(reason(s.finishReason())));
                }
                responses.onNext(r.build());
                responses.onCompleted();
            }

            @Override
            public void failed(StatusRuntimeException error) {
                responses.onError(error);
            }
        });
    }

    @Override
    public void generateStream(GenerateRequest request, StreamObserver<GenerateStreamResponse> responses) {
        start(request, responses, new SamplerService.Sink() {
            @Override
            public void piece(int sample, String text, int[] tokenIds, String model, int version) {
                responses.onNext(GenerateStreamResponse.newBuilder().setSampleIndex(sample).setText(text)
                        .addAllTokenIds(Arrays.stream(tokenIds).boxed().toList())
                        .setModel(model).setVersion(version).build());
            }

            @Override
            public void done(Generation g, String model, int version, long seed) {
                GenerateStreamResponse.Builder last = GenerateStreamResponse.newBuilder()
                        .setModel(model).setVersion(version).setSeed(seed);
                g.samples().forEach(s -> last.addFinishReasons(reason(s.finishReason())));
                responses.onNext(last.build());
                responses.onCompleted();
            }

            @Override
            public void failed(StatusRuntimeException error) {
                responses.onError(error);
            }
        });
    }

    @Override
    @Blocking
    public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> responses) {
        ListModelsResponse.Builder r = ListModelsResponse.newBuilder();
        for (ModelRegistry.ModelSnapshot m : registry.list()) {
            ModelInfo.Builder info = ModelInfo.newBuilder().setName(m.name()).setLatestVersion(m.latestVersion());
            m.versions().forEach(v -> info.addVersions(version(v)));
            r.addModels(info);
        }
        responses.onNext(r.build());
        responses.onCompleted();
    }

    @Override
    @Blocking
    public void loadModel(LoadModelRequest request, StreamObserver<ModelVersion> responses) {
        answer(responses, () -> version(registry.load(requireModel(request.getModel()),
                requireVersion(request.getVersion()))));
    }

    @Override
    @Blocking
    public void unloadModel(UnloadModelRequest request, StreamObserver<ModelVersion> responses) {
        answer(responses, () -> version(registry.unload(requireModel(request.getModel()),
                requireVersion(request.getVersion()))));
    }

    private <T> void start(GenerateRequest request, StreamObserver<T> responses, SamplerService.Sink sink) {
        // Either signal means the caller has gone; a passed deadline cancels the context too.
        Context context = Context.current();
        ServerCallStreamObserver<T> call = responses instanceof ServerCallStreamObserver<T> s ? s : null;
        BooleanSupplier cancelled = () -> context.isCancelled() || (call != null && call.isCancelled());
        try {
            service.start(request, context.getDeadline(), cancelled, new CallerPresent(sink, cancelled));
        } catch (StatusRuntimeException e) {
            responses.onError(e);
        }
    }

    /**
     * Writes nothing once the caller has gone. On Quarkus's single-port (Vert.x) gRPC server, a
     * message or status written to a stream the client has reset tears down the whole HTTP/2
     * connection, and every other call multiplexed on it fails with PROTOCOL_ERROR
     * (quarkusio/quarkus#56268); grpc-java's own server would drop it quietly.
     */
    private record CallerPresent(SamplerService.Sink sink, BooleanSupplier cancelled) implements SamplerService.Sink {
        @Override
        public void piece(int sample, String text, int[] tokenIds, String model, int version) {
            if (!cancelled.getAsBoolean()) {
                sink.piece(sample, text, tokenIds, model, version);
            }
        }

        @Override
        public void done(Generation generation, String model, int version, long seed) {
            if (!cancelled.getAsBoolean()) {
                sink.done(generation, model, version, seed);
            }
        }

        @Override
        public void failed(StatusRuntimeException error) {
            if (!cancelled.getAsBoolean()) {
                sink.failed(error);
            }
        }
    }

    private static <T> void answer(StreamObserver<T> responses, java.util.function.Supplier<T> work) {
        T value;
        try {
            value = work.get();
        } catch (StatusRuntimeException e) {
            responses.onError(e);
            return;
        }
        responses.onNext(value);
        responses.onCompleted();
    }

    private static String requireModel(String model) {
        if (model.isBlank()) {
            throw Status.INVALID_ARGUMENT.withDescription("model is required: the name of a model in the store"
                    + " (see ListModels)").asRuntimeException();
        }
        return model;
    }

    private static int requireVersion(int version) {
        if (version < 0) {
            throw Status.INVALID_ARGUMENT.withDescription("version must be 0 (latest) or a positive version number,"
                    + " got " + version).asRuntimeException();
        }
        return version;
    }

    private static dev.scratchgpt.sampler.v1.FinishReason reason(FinishReason r) {
        return r == FinishReason.STOP ? dev.scratchgpt.sampler.v1.FinishReason.FINISH_REASON_STOP
                : dev.scratchgpt.sampler.v1.FinishReason.FINISH_REASON_LENGTH;
    }

    private static ModelVersion version(VersionStatus v) {
        ModelVersion.Builder b = ModelVersion.newBuilder().setModel(v.model()).setVersion(v.version())
                .setState(ModelState.valueOf("MODEL_STATE_" + v.state().name()))
                .setError(v.error()).setDevice(v.device());
        VersionManifest m = v.manifest();
        if (m != null) {
            b.setModelType(m.modelType()).setVocabularyId(m.vocabularyId()).setVocabSize(m.vocabSize())
                    .setBlockSize(m.blockSize()).setNLayer(m.nLayer()).setNHead(m.nHead()).setNEmbd(m.nEmbd())
                    .setNumParameters(m.numParameters()).setTrainSteps(m.trainSteps())
                    .setTrainLoss(m.trainLoss()).setValLoss(m.valLoss()).setSha256(m.sha256());
            if (m.createdAt() != null) {
                b.setCreatedAt(Timestamp.newBuilder().setSeconds(m.createdAt().getEpochSecond())
                        .setNanos(m.createdAt().getNano()));
            }
        }
        return b.build();
    }
}
