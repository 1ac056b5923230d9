package dev.scratchgpt.trainer.data;

import com.google.protobuf.ByteString;
import dev.scratchgpt.tokenizer.v1.CreateVocabularyChunk;
import dev.scratchgpt.tokenizer.v1.CreateVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.EncodeStreamRequest;
import dev.scratchgpt.tokenizer.v1.EncodeStreamResponse;
import dev.scratchgpt.tokenizer.v1.GetVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import dev.scratchgpt.tokenizer.v1.Vocabulary;
import dev.scratchgpt.tokenizer.v1.VocabularyKind;
import dev.scratchgpt.trainer.TrainerError;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Corpus -> vocabulary -> ids, through the tokenizer service over gRPC, both streamed so a
 * corpus of any size fits. The ids are kept in {@code <data>/encoded/<vocabulary>/<corpus>.ids}
 * (int32, big-endian, after a count), so a resumed job needs neither the tokenizer nor a
 * second encoding.
 */
public final class Tokenization {

    private static final int CHUNK = 1 << 20;
    /** Bytes per streamed message: the Vert.x gRPC server refuses messages over 256 KiB. */
    private static final int MESSAGE_BYTES = 64 * 1024;

    /** A corpus encoded with a vocabulary. */
    public record Encoded(String vocabularyId, int vocabSize, long tokens, Path idsFile) {
    }

    private final TokenizerGrpc.TokenizerStub async;
    private final TokenizerGrpc.TokenizerBlockingStub blocking;
    private final Path dir;
    private final long timeoutSeconds;

    public Tokenization(TokenizerGrpc.TokenizerStub async, TokenizerGrpc.TokenizerBlockingStub blocking,
                        Path dataDir, long timeoutSeconds) {
        this.async = async;
        this.blocking = blocking;
        this.dir = dataDir.resolve("encoded");
        this.timeoutSeconds = timeoutSeconds;
    }

    /** The named vocabulary (INVALID_ARGUMENT when the tokenizer does not know it). */
    public Vocabulary vocabulary(String vocabularyId, boolean withTokens, String field) {
        try {
            return blocking.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS).getVocabulary(
                    GetVocabularyRequest.newBuilder().setVocabularyId(vocabularyId).setOmitTokens(!withTokens).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND || e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
                throw TrainerError.invalid(field + " '" + vocabularyId + "' is not a vocabulary the tokenizer service knows");
            }
            throw unavailable(e);
        }
    }

    /** Builds a vocabulary of {@code kind} from the corpus (idempotent on the tokenizer's side). */
    public Vocabulary buildVocabulary(Path corpus, VocabularyKind kind, int bpeVocabSize) {
        CreateVocabularyRequest.Builder options = CreateVocabularyRequest.newBuilder().setKind(kind);
        if (kind == VocabularyKind.VOCABULARY_KIND_BPE) {
            options.setVocabSize(bpeVocabSize);
        }
        CompletableFuture<Vocabulary> result = new CompletableFuture<>();
        StreamObserver<CreateVocabularyChunk> requests = async.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
                .createVocabularyStream(new StreamObserver<>() {
                    @Override
                    public void onNext(Vocabulary value) {
                        result.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        result.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        result.completeExceptionally(new IllegalStateException("tokenizer sent no vocabulary"));
                    }
                });
        requests.onNext(CreateVocabularyChunk.newBuilder().setOptions(options).build());
        streamFile(corpus, bytes -> requests.onNext(CreateVocabularyChunk.newBuilder().setData(bytes).build()), requests);
        return await(result, "spec.vocabulary_kind");
    }

    /** Encodes the corpus with the vocabulary, or returns the ids encoded before. */
    public Encoded encode(String corpusId, Path corpus, Vocabulary vocabulary) {
        Path file = idsFile(vocabulary.getVocabularyId(), corpusId);
        if (Files.isRegularFile(file)) {
            return new Encoded(vocabulary.getVocabularyId(), vocabulary.getSize(), countOf(file), file);
        }
        IdBuffer ids = new IdBuffer();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<EncodeStreamRequest> requests = async.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
                .encodeStream(new StreamObserver<>() {
                    @Override
                    public void onNext(EncodeStreamResponse value) {
                        ids.addAll(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        requests.onNext(EncodeStreamRequest.newBuilder().setVocabularyId(vocabulary.getVocabularyId()).build());
        streamFile(corpus, bytes -> requests.onNext(EncodeStreamRequest.newBuilder().setData(bytes).build()), requests);
        await(done, "vocabulary_id");
        write(file, ids);
        return new Encoded(vocabulary.getVocabularyId(), vocabulary.getSize(), ids.size, file);
    }

    public Path idsFile(String vocabularyId, String corpusId) {
        return dir.resolve(vocabularyId).resolve(corpusId + ".ids");
    }

    /** The ids as int64, ready to become the corpus tensor. */
    public static long[] read(Path file) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), CHUNK))) {
            int n = in.readInt();
            long[] ids = new long[n];
            for (int i = 0; i < n; i++) {
                ids[i] = in.readInt();
            }
            return ids;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long countOf(Path file) {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            return in.readInt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, IdBuffer ids) {
        try {
            Files.createDirectories(file.getParent());
            Path temp = Files.createTempFile(file.getParent(), "ids-", ".tmp");
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(temp), CHUNK))) {
                out.writeInt(ids.size);
                for (int i = 0; i < ids.size; i++) {
                    out.writeInt(ids.data[i]);
                }
            }
            CorpusStore.move(temp, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface ChunkSink {
        void accept(ByteString bytes);
    }

    private static void streamFile(Path file, ChunkSink sink, StreamObserver<?> requests) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[MESSAGE_BYTES];
            int r;
            while ((r = in.readNBytes(buf, 0, MESSAGE_BYTES)) > 0) {
                sink.accept(ByteString.copyFrom(buf, 0, r));
            }
            requests.onCompleted();
        } catch (IOException e) {
            requests.onError(e);
            throw new UncheckedIOException(e);
        }
    }

    private <T> T await(CompletableFuture<T> future, String field) {
        try {
            return future.get(timeoutSeconds + 5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException s) {
                if (s.getStatus().getCode() == Status.Code.INVALID_ARGUMENT || s.getStatus().getCode() == Status.Code.NOT_FOUND) {
                    throw TrainerError.invalid("the tokenizer service refused the corpus for " + field + ": "
                            + s.getStatus().getDescription());
                }
                throw unavailable(s);
            }
            throw new TrainerError(Status.Code.INTERNAL, "tokenizing the corpus failed: " + e.getCause());
        } catch (TimeoutException e) {
            throw new TrainerError(Status.Code.UNAVAILABLE, "the tokenizer service did not answer within "
                    + timeoutSeconds + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TrainerError(Status.Code.CANCELLED, "interrupted while tokenizing");
        }
    }

    private static TrainerError unavailable(StatusRuntimeException e) {
        return new TrainerError(Status.Code.UNAVAILABLE, "the tokenizer service could not be used ("
                + e.getStatus().getCode() + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription())
                + "); check quarkus.grpc.clients.tokenizer.host/port");
    }

    /** A growable int array; ids of a large corpus would not fit a List<Integer> cheaply. */
    private static final class IdBuffer {
        int[] data = new int[1 << 16];
        int size;

        synchronized void addAll(EncodeStreamResponse r) {
            int n = r.getIdsCount();
            if (size + n > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, size + n));
            }
            for (int i = 0; i < n; i++) {
                data[size++] = r.getIds(i);
            }
        }
    }
}
