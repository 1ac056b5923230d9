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
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.jboss.logging.Logger;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Corpus -> vocabulary -> ids, through the tokenizer service over gRPC, both streamed so a
 * corpus of any size fits. The ids are kept in {@code <data>/encoded/<vocabulary>/<corpus>.ids}
 * (int32, big-endian, after a count), so a resumed job needs neither the tokenizer nor a
 * second encoding.
 *
 * <p>Every call is idempotent (vocabulary ids are content hashes), so an UNAVAILABLE tokenizer
 * is retried with exponential backoff for up to {@code retryFor}, never past the deadline of
 * the gRPC call being served; after that the caller gets UNAVAILABLE with a sentence.
 */
public final class Tokenization {

    private static final int CHUNK = 1 << 20;
    /** Bytes per streamed message: the Vert.x gRPC server refuses messages over 256 KiB. */
    private static final int MESSAGE_BYTES = 64 * 1024;
    /** Retrying stops this long before the served call's deadline, to answer UNAVAILABLE in time. */
    private static final long ANSWER_MARGIN_NANOS = 300_000_000L;
    private static final Logger LOG = Logger.getLogger(Tokenization.class);

    /** A corpus encoded with a vocabulary. */
    public record Encoded(String vocabularyId, int vocabSize, long tokens, Path idsFile) {
    }

    private final TokenizerGrpc.TokenizerStub async;
    private final TokenizerGrpc.TokenizerBlockingStub blocking;
    private final Path dir;
    private final long timeoutSeconds;
    private final Duration retryFor;
    private final Runnable reconnectNow;
    /** For the log: one line when the tokenizer goes away and one when it is back, not one per retry. */
    private final AtomicBoolean reachable = new AtomicBoolean(true);

    /**
     * @param retryFor     how long an unreachable tokenizer is retried (bounded by the caller's deadline)
     * @param reconnectNow asks the channel to reconnect at once instead of after its own backoff
     */
    public Tokenization(TokenizerGrpc.TokenizerStub async, TokenizerGrpc.TokenizerBlockingStub blocking,
                        Path dataDir, long timeoutSeconds, Duration retryFor, Runnable reconnectNow) {
        this.async = async;
        this.blocking = blocking;
        this.dir = dataDir.resolve("encoded");
        this.timeoutSeconds = timeoutSeconds;
        this.retryFor = retryFor;
        this.reconnectNow = reconnectNow;
    }

    /** The named vocabulary (INVALID_ARGUMENT when the tokenizer does not know it). */
    public Vocabulary vocabulary(String vocabularyId, boolean withTokens, String field) {
        return retrying("fetching vocabulary " + vocabularyId,
                callDeadline -> vocabularyOnce(vocabularyId, withTokens, field, callDeadline));
    }

    /** Builds a vocabulary of {@code kind} from the corpus (idempotent on the tokenizer's side). */
    public Vocabulary buildVocabulary(Path corpus, VocabularyKind kind, int bpeVocabSize) {
        return retrying("building the vocabulary", callDeadline -> buildVocabularyOnce(corpus, kind, bpeVocabSize, callDeadline));
    }

    /** Encodes the corpus with the vocabulary, or returns the ids encoded before. */
    public Encoded encode(String corpusId, Path corpus, Vocabulary vocabulary) {
        return retrying("encoding the corpus", callDeadline -> encodeOnce(corpusId, corpus, vocabulary, callDeadline));
    }

    private interface Attempt<T> {
        T run(Deadline callDeadline);
    }

    /**
     * Runs {@code attempt}, again after 100 ms, 200 ms, ... (at most 2 s apart) while the tokenizer
     * is UNAVAILABLE, until {@code retryFor} or the served call's deadline (less a margin to
     * answer in) runs out.
     */
    private <T> T retrying(String what, Attempt<T> attempt) {
        Deadline own = Deadline.after(timeoutSeconds, TimeUnit.SECONDS);
        Deadline caller = Context.current().getDeadline(); // set by dev.scratchgpt.calls.CallerDeadline
        // each attempt ends early enough to still answer the served call with a sentence
        Deadline callDeadline = caller != null ? caller.offset(-ANSWER_MARGIN_NANOS, TimeUnit.NANOSECONDS).minimum(own) : own;
        long giveUpNanos = System.nanoTime() + retryFor.toNanos();
        if (caller != null) {
            giveUpNanos = Math.min(giveUpNanos, System.nanoTime() + caller.timeRemaining(TimeUnit.NANOSECONDS)
                    - ANSWER_MARGIN_NANOS);
        }
        long backoffMillis = 100;
        for (int attempts = 1; ; attempts++) {
            try {
                T answer = attempt.run(callDeadline);
                if (reachable.compareAndSet(false, true)) {
                    LOG.infof("the tokenizer service answers again");
                }
                return answer;
            } catch (TrainerError e) {
                boolean retryable = e.code() == Status.Code.UNAVAILABLE;
                if (!retryable || System.nanoTime() + backoffMillis * 1_000_000 > giveUpNanos) {
                    if (retryable && attempts > 1) {
                        throw new TrainerError(Status.Code.UNAVAILABLE, e.getMessage() + " (" + attempts
                                + " attempts while " + what + ")");
                    }
                    throw e;
                }
                if (reachable.compareAndSet(true, false)) {
                    LOG.warnf("the tokenizer service is unavailable (while %s); tokenizer calls now retry with backoff"
                            + " within each caller's deadline", what);
                }
                sleep(backoffMillis);
                reconnectNow.run();
                backoffMillis = Math.min(2 * backoffMillis, 2000);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TrainerError(Status.Code.CANCELLED, "interrupted while waiting for the tokenizer service");
        }
    }

    private Vocabulary vocabularyOnce(String vocabularyId, boolean withTokens, String field, Deadline callDeadline) {
        try {
            return blocking.withDeadline(callDeadline).getVocabulary(
                    GetVocabularyRequest.newBuilder().setVocabularyId(vocabularyId).setOmitTokens(!withTokens).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND || e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
                throw TrainerError.invalid(field + " '" + vocabularyId + "' is not a vocabulary the tokenizer service knows");
            }
            throw unavailable(e);
        }
    }

    private Vocabulary buildVocabularyOnce(Path corpus, VocabularyKind kind, int bpeVocabSize, Deadline callDeadline) {
        CreateVocabularyRequest.Builder options = CreateVocabularyRequest.newBuilder().setKind(kind);
        if (kind == VocabularyKind.VOCABULARY_KIND_BPE) {
            options.setVocabSize(bpeVocabSize);
        }
        CompletableFuture<Vocabulary> result = new CompletableFuture<>();
        StreamObserver<CreateVocabularyChunk> requests = async.withDeadline(callDeadline)
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

    private Encoded encodeOnce(String corpusId, Path corpus, Vocabulary vocabulary, Deadline callDeadline) {
        Path file = idsFile(vocabulary.getVocabularyId(), corpusId);
        if (Files.isRegularFile(file)) {
            return new Encoded(vocabulary.getVocabularyId(), vocabulary.getSize(), countOf(file), file);
        }
        IdBuffer ids = new IdBuffer();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<EncodeStreamRequest> requests = async.withDeadline(callDeadline)
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
            DataDirectory.replaceAtomically(file, temp -> {
                try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(temp), CHUNK))) {
                    out.writeInt(ids.size);
                    for (int i = 0; i < ids.size; i++) {
                        out.writeInt(ids.data[i]);
                    }
                }
            });
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
