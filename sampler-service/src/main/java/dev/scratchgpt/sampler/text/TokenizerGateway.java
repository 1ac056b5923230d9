package dev.scratchgpt.sampler.text;

import com.google.protobuf.ByteString;
import dev.scratchgpt.sampler.generate.Vocabulary;
import dev.scratchgpt.tokenizer.v1.EncodeRequest;
import dev.scratchgpt.tokenizer.v1.GetVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The sampler's use of the tokenizer service: prompts are encoded by it, and each vocabulary's
 * token bytes are fetched once and kept, so generated ids are decoded locally (a Decode call
 * per token would cost as much as a decode step). Vocabularies are immutable (their id is a
 * hash of their content), so the cache never goes stale, and a model whose vocabulary is cached
 * keeps working from raw ids while the tokenizer is away.
 *
 * <p>Both calls are idempotent reads, so an UNAVAILABLE tokenizer (down, restarting) is retried
 * with exponential backoff and jitter until the call's budget runs out: the caller's deadline
 * less a margin to answer in, and never more than the configured timeout. Then the caller gets
 * UNAVAILABLE with a sentence rather than its own DEADLINE_EXCEEDED. Before each retry the
 * channel's reconnect backoff is reset, so a tokenizer that is back is found at once rather
 * than after grpc's own backoff (which grows to two minutes).
 */
public final class TokenizerGateway {

    private static final Logger LOG = Logger.getLogger(TokenizerGateway.class);
    private static final long FIRST_BACKOFF_MS = 50;
    private static final long MAX_BACKOFF_MS = 1000;

    private final TokenizerGrpc.TokenizerBlockingStub stub;
    private final Duration timeout;
    private final Runnable reconnectNow;
    private final Map<String, Vocabulary> vocabularies = new ConcurrentHashMap<>();
    /** For the log: one line when the tokenizer goes away and one when it is back, not one per call. */
    private final AtomicBoolean reachable = new AtomicBoolean(true);

    /** @param timeout longest time for one tokenizer call with its retries (less when the caller's own deadline is nearer) */
    public TokenizerGateway(TokenizerGrpc.TokenizerBlockingStub stub, Duration timeout) {
        this(stub, timeout, () -> {
        });
    }

    /** @param reconnectNow resets the channel's reconnect backoff ({@code ManagedChannel::resetConnectBackoff}) */
    public TokenizerGateway(TokenizerGrpc.TokenizerBlockingStub stub, Duration timeout, Runnable reconnectNow) {
        this.stub = stub;
        this.timeout = timeout;
        this.reconnectNow = reconnectNow;
    }

    /** As {@link #vocabulary(String, Deadline)} within the configured timeout. */
    public Optional<Vocabulary> vocabulary(String vocabularyId) {
        return vocabulary(vocabularyId, null);
    }

    /** The vocabulary with its token bytes; empty when the tokenizer does not know the id. */
    public Optional<Vocabulary> vocabulary(String vocabularyId, Deadline callerDeadline) {
        Vocabulary cached = vocabularies.get(vocabularyId);
        if (cached != null) {
            return Optional.of(cached);
        }
        try {
            var v = call("fetching vocabulary " + vocabularyId, callerDeadline, s -> s.getVocabulary(
                    GetVocabularyRequest.newBuilder().setVocabularyId(vocabularyId).build()));
            byte[][] bytes = new byte[v.getTokenBytesCount()][];
            for (int i = 0; i < bytes.length; i++) {
                ByteString b = v.getTokenBytes(i);
                bytes[i] = b.toByteArray();
            }
            Vocabulary vocabulary = new Vocabulary(vocabularyId, bytes);
            vocabularies.put(vocabularyId, vocabulary);
            return Optional.of(vocabulary);
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The prompt's ids. Text the vocabulary cannot encode is INVALID_ARGUMENT naming the prompt field. */
    public int[] encode(String vocabularyId, String prompt, Deadline callerDeadline) {
        try {
            var r = call("encoding the prompt", callerDeadline, s -> s.encode(EncodeRequest.newBuilder()
                    .setVocabularyId(vocabularyId).setText(prompt).build()));
            return r.getIdsList().stream().mapToInt(Integer::intValue).toArray();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
                throw Status.INVALID_ARGUMENT.withDescription("prompt cannot be encoded with the model's vocabulary: "
                        + e.getStatus().getDescription()).asRuntimeException();
            }
            throw e;
        }
    }

    /**
     * One idempotent tokenizer call with retries. NOT_FOUND and INVALID_ARGUMENT come back as
     * they are (the caller gives them meaning); anything else becomes UNAVAILABLE with a sentence.
     */
    private <T> T call(String what, Deadline callerDeadline, Function<TokenizerGrpc.TokenizerBlockingStub, T> rpc) {
        Deadline budget = budget(callerDeadline);
        long start = System.nanoTime();
        long backoff = FIRST_BACKOFF_MS;
        for (int attempt = 1; ; attempt++) {
            StatusRuntimeException failure;
            try {
                T answer = rpc.apply(stub.withDeadline(budget));
                if (reachable.compareAndSet(false, true)) {
                    LOG.infof("the tokenizer service answers again");
                }
                return answer;
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (code == Status.Code.NOT_FOUND || code == Status.Code.INVALID_ARGUMENT) {
                    throw e;
                }
                failure = e;
            }
            if (reachable.compareAndSet(true, false)) {
                LOG.warnf("the tokenizer service failed while %s (%s); tokenizer calls now retry with backoff"
                        + " within each caller's deadline", what, failure.getStatus().getCode());
            }
            long sleep = ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1);
            // Retry only what may heal (the tokenizer down or restarting) and only while an attempt still fits.
            if (failure.getStatus().getCode() != Status.Code.UNAVAILABLE
                    || budget.timeRemaining(TimeUnit.MILLISECONDS) <= sleep + FIRST_BACKOFF_MS) {
                throw unavailable(what, attempt, System.nanoTime() - start, failure);
            }
            reconnectNow.run();
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw unavailable(what, attempt, System.nanoTime() - start, failure);
            }
            backoff = Math.min(2 * backoff, MAX_BACKOFF_MS);
        }
    }

    /** The configured timeout, cut to the caller's deadline less a margin in which to send our answer. */
    private Deadline budget(Deadline callerDeadline) {
        Deadline own = Deadline.after(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (callerDeadline == null) {
            return own;
        }
        long remaining = callerDeadline.timeRemaining(TimeUnit.MILLISECONDS);
        long margin = Math.max(20, Math.min(500, remaining / 10));
        return own.minimum(callerDeadline.offset(-margin, TimeUnit.MILLISECONDS));
    }

    private static StatusRuntimeException unavailable(String what, int attempts, long nanos,
                                                      StatusRuntimeException last) {
        Status s = last.getStatus();
        return Status.UNAVAILABLE.withDescription("the tokenizer service failed while " + what + " ("
                + s.getCode() + (s.getDescription() != null ? ": " + s.getDescription() : "") + ", "
                + attempts + (attempts == 1 ? " attempt" : " attempts") + " in " + nanos / 1_000_000
                + " ms); try again when it is reachable").asRuntimeException();
    }
}
