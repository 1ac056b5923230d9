package dev.scratchgpt.sampler.text;

import com.google.protobuf.ByteString;
import dev.scratchgpt.sampler.generate.Vocabulary;
import dev.scratchgpt.tokenizer.v1.EncodeRequest;
import dev.scratchgpt.tokenizer.v1.GetVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The sampler's use of the tokenizer service: prompts are encoded by it, and each vocabulary's
 * token bytes are fetched once and kept, so generated ids are decoded locally (a Decode call
 * per token would cost as much as a decode step). Vocabularies are immutable (their id is a
 * hash of their content), so the cache never goes stale.
 */
public final class TokenizerGateway {

    private final TokenizerGrpc.TokenizerBlockingStub stub;
    private final Duration timeout;
    private final Map<String, Vocabulary> vocabularies = new ConcurrentHashMap<>();

    /** @param timeout longest wait for one tokenizer call (less when the caller's own deadline is nearer) */
    public TokenizerGateway(TokenizerGrpc.TokenizerBlockingStub stub, Duration timeout) {
        this.stub = stub;
        this.timeout = timeout;
    }

    /** The vocabulary with its token bytes; empty when the tokenizer does not know the id. */
    public Optional<Vocabulary> vocabulary(String vocabularyId) {
        Vocabulary cached = vocabularies.get(vocabularyId);
        if (cached != null) {
            return Optional.of(cached);
        }
        try {
            var v = within(null).getVocabulary(GetVocabularyRequest.newBuilder().setVocabularyId(vocabularyId).build());
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
            throw unreachable("fetching vocabulary " + vocabularyId, e);
        }
    }

    /** The prompt's ids. Text the vocabulary cannot encode is INVALID_ARGUMENT naming the prompt field. */
    public int[] encode(String vocabularyId, String prompt, Deadline callerDeadline) {
        try {
            var r = within(callerDeadline).encode(EncodeRequest.newBuilder()
                    .setVocabularyId(vocabularyId).setText(prompt).build());
            return r.getIdsList().stream().mapToInt(Integer::intValue).toArray();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
                throw Status.INVALID_ARGUMENT.withDescription("prompt cannot be encoded with the model's vocabulary: "
                        + e.getStatus().getDescription()).asRuntimeException();
            }
            if (callerDeadline != null && callerDeadline.isExpired()) {
                throw Status.DEADLINE_EXCEEDED.withDescription("the request's deadline passed while encoding the prompt")
                        .asRuntimeException();
            }
            throw unreachable("encoding the prompt", e);
        }
    }

    private TokenizerGrpc.TokenizerBlockingStub within(Deadline callerDeadline) {
        Deadline own = Deadline.after(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return stub.withDeadline(callerDeadline != null ? callerDeadline.minimum(own) : own);
    }

    private static StatusRuntimeException unreachable(String what, StatusRuntimeException e) {
        return Status.UNAVAILABLE.withDescription("the tokenizer service failed while " + what + " ("
                + e.getStatus().getCode() + (e.getStatus().getDescription() != null
                ? ": " + e.getStatus().getDescription() : "") + "); try again when it is reachable")
                .asRuntimeException();
    }
}
