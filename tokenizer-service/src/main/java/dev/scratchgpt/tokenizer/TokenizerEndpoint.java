package dev.scratchgpt.tokenizer;

import dev.scratchgpt.tokenizer.v1.CreateVocabularyChunk;
import dev.scratchgpt.tokenizer.v1.CreateVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.DecodeRequest;
import dev.scratchgpt.tokenizer.v1.DecodeResponse;
import dev.scratchgpt.tokenizer.v1.DecodeStreamRequest;
import dev.scratchgpt.tokenizer.v1.DecodeStreamResponse;
import dev.scratchgpt.tokenizer.v1.EncodeRequest;
import dev.scratchgpt.tokenizer.v1.EncodeResponse;
import dev.scratchgpt.tokenizer.v1.EncodeStreamRequest;
import dev.scratchgpt.tokenizer.v1.EncodeStreamResponse;
import dev.scratchgpt.tokenizer.v1.GetVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.ListVocabulariesRequest;
import dev.scratchgpt.tokenizer.v1.ListVocabulariesResponse;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import dev.scratchgpt.tokenizer.vocab.Decoder;
import dev.scratchgpt.tokenizer.vocab.Utf8StreamDecoder;
import dev.scratchgpt.tokenizer.vocab.Vocabulary;
import dev.scratchgpt.tokenizer.vocab.VocabularyBuilder;
import dev.scratchgpt.tokenizer.vocab.VocabularyOptions;
import dev.scratchgpt.tokenizer.vocab.VocabularyStore;
import com.google.protobuf.MessageLite;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Instant;

/**
 * The Tokenizer gRPC service: checks requests, delegates to the vocabularies, maps failures to
 * statuses ({@link ErrorStatus}). Its methods run on worker threads ({@code @Blocking}): encoding
 * megabytes must not hold the event loop. EncodeStream alone stays on the event loop and sends
 * its encoding to {@link EncodingExecutor}, so that it can follow the client's flow control
 * without a worker thread waiting ({@link EncodeStreamCall}).
 */
@GrpcService
public class TokenizerEndpoint extends TokenizerGrpc.TokenizerImplBase {

    /** Ids per streamed response: at most 5 bytes each, so a message stays far below 4 MiB. */
    static final int MAX_IDS_PER_MESSAGE = 256 * 1024;

    @Inject
    VocabularyStore store;

    @Inject
    TokenizerMetrics metrics;

    @Inject
    EncodingExecutor encoding;

    /** Largest request message, unary or one message of a stream; larger text goes in chunks. */
    @ConfigProperty(name = "scratchgpt.tokenizer.max-message-bytes", defaultValue = "4194304")
    int maxMessageBytes;

    /** Largest corpus CreateVocabularyStream takes, in bytes: a client cannot stream forever. */
    @ConfigProperty(name = "scratchgpt.tokenizer.max-corpus-bytes", defaultValue = "1073741824")
    long maxCorpusBytes;

    @Override
    @Blocking
    public void createVocabulary(CreateVocabularyRequest request,
                                 StreamObserver<dev.scratchgpt.tokenizer.v1.Vocabulary> response) {
        try {
            checkSize(request, "CreateVocabulary", "CreateVocabularyStream");
            VocabularyBuilder builder = builder(request);
            if (request.getText().isEmpty() && request.getPretrained().isEmpty()) {
                throw ErrorStatus.invalid("text is empty: a vocabulary is built from at least one character of text");
            }
            builder.add(request.getText());
            Vocabulary vocabulary = store.save(builder.build(Instant.now()));
            response.onNext(VocabularyMessages.message(vocabulary, true));
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of("CreateVocabulary", e));
        }
    }

    @Override
    @Blocking
    public StreamObserver<CreateVocabularyChunk> createVocabularyStream(
            StreamObserver<dev.scratchgpt.tokenizer.v1.Vocabulary> response) {
        return new CallObserver<>("CreateVocabularyStream", response) {
            private final Utf8StreamDecoder utf8 = Utf8StreamDecoder.strict("data");
            private VocabularyBuilder builder;
            private long corpusBytes;

            @Override
            void next(CreateVocabularyChunk chunk) {
                checkSize(chunk, "CreateVocabularyStream", "smaller chunks");
                corpusBytes += chunk.getData().size();
                if (corpusBytes > maxCorpusBytes) {
                    throw Status.RESOURCE_EXHAUSTED.withDescription("the CreateVocabularyStream corpus passed "
                            + maxCorpusBytes + " bytes, the cap (scratchgpt.tokenizer.max-corpus-bytes): build the"
                            + " vocabulary from a sample of the corpus").asRuntimeException();
                }
                if (builder == null) {
                    if (!chunk.getOptions().getText().isEmpty()) {
                        throw ErrorStatus.invalid("options.text must be empty in CreateVocabularyStream:"
                                + " send the corpus as UTF-8 bytes in data");
                    }
                    builder = builder(chunk.getOptions());
                } else if (chunk.hasOptions()) {
                    throw ErrorStatus.invalid("options may only be set in the first message of CreateVocabularyStream");
                }
                builder.add(utf8.decode(chunk.getData().toByteArray()));
            }

            @Override
            void completed() {
                if (builder == null) {
                    builder = builder(CreateVocabularyRequest.getDefaultInstance());
                }
                builder.add(utf8.finish());
                Vocabulary vocabulary = store.save(builder.build(Instant.now()));
                response.onNext(VocabularyMessages.message(vocabulary, true));
                response.onCompleted();
            }
        };
    }

    @Override
    @Blocking
    public void getVocabulary(GetVocabularyRequest request,
                              StreamObserver<dev.scratchgpt.tokenizer.v1.Vocabulary> response) {
        try {
            response.onNext(VocabularyMessages.message(vocabulary(request.getVocabularyId()), !request.getOmitTokens()));
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of("GetVocabulary", e));
        }
    }

    @Override
    @Blocking
    public void listVocabularies(ListVocabulariesRequest request, StreamObserver<ListVocabulariesResponse> response) {
        try {
            ListVocabulariesResponse.Builder list = ListVocabulariesResponse.newBuilder();
            store.list().forEach(v -> list.addVocabularies(VocabularyMessages.message(v, false)));
            response.onNext(list.build());
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of("ListVocabularies", e));
        }
    }

    @Override
    @Blocking
    public void encode(EncodeRequest request, StreamObserver<EncodeResponse> response) {
        try {
            checkSize(request, "Encode", "EncodeStream");
            Vocabulary vocabulary = vocabulary(request.getVocabularyId());
            String text = request.getText();
            int[] ids = vocabulary.encode(text);
            metrics.charactersEncoded(text.codePointCount(0, text.length()));
            EncodeResponse.Builder encoded = EncodeResponse.newBuilder().setSize(ids.length);
            for (int id : ids) {
                encoded.addIds(id);
            }
            if (request.getIncludeTokens()) {
                for (int id : ids) {
                    encoded.addTokens(vocabulary.token(id));
                }
            }
            response.onNext(encoded.build());
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of("Encode", e));
        }
    }

    @Override
    public StreamObserver<EncodeStreamRequest> encodeStream(StreamObserver<EncodeStreamResponse> response) {
        return EncodeStreamCall.start(response, encoding, this::vocabulary,
                request -> checkSize(request, "EncodeStream", "smaller chunks"), metrics, MAX_IDS_PER_MESSAGE);
    }

    @Override
    @Blocking
    public void decode(DecodeRequest request, StreamObserver<DecodeResponse> response) {
        try {
            checkSize(request, "Decode", "DecodeStream");
            Vocabulary vocabulary = vocabulary(request.getVocabularyId());
            int[] ids = new int[request.getIdsCount()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = request.getIds(i);
            }
            String text = vocabulary.decode(ids);
            metrics.idsDecoded(ids.length);
            response.onNext(DecodeResponse.newBuilder().setText(text).build());
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of("Decode", e));
        }
    }

    @Override
    @Blocking
    public StreamObserver<DecodeStreamRequest> decodeStream(StreamObserver<DecodeStreamResponse> response) {
        return new CallObserver<>("DecodeStream", response) {
            private Decoder decoder;

            @Override
            void next(DecodeStreamRequest request) {
                checkSize(request, "DecodeStream", "smaller chunks");
                if (decoder == null) {
                    decoder = vocabulary(request.getVocabularyId()).newDecoder();
                }
                int[] ids = new int[request.getIdsCount()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = request.getIds(i);
                }
                String text = decoder.decode(ids, 0, ids.length);
                metrics.idsDecoded(ids.length);
                response.onNext(DecodeStreamResponse.newBuilder().setText(text).build());
            }

            @Override
            void completed() {
                if (decoder != null) {
                    String rest = decoder.finish();
                    if (!rest.isEmpty()) {
                        response.onNext(DecodeStreamResponse.newBuilder().setText(rest).build());
                    }
                }
                response.onCompleted();
            }
        };
    }

    /**
     * Rejects a message over the limit with a sentence that says where large input goes
     * ({@code instead}: the streaming call, or smaller chunks within a stream).
     */
    private void checkSize(MessageLite message, String method, String instead) {
        int bytes = message.getSerializedSize();
        if (bytes > maxMessageBytes) {
            throw Status.RESOURCE_EXHAUSTED.withDescription("the " + method + " message is " + bytes
                    + " bytes but the limit is " + maxMessageBytes + " bytes per message: send large input with "
                    + (instead.startsWith("smaller") ? "smaller chunks in " + method : instead + " in chunks"))
                    .asRuntimeException();
        }
    }

    private VocabularyBuilder builder(CreateVocabularyRequest options) {
        VocabularyOptions parsed = VocabularyMessages.options(options);
        return store.type(parsed.kind()).newBuilder(parsed);
    }

    private Vocabulary vocabulary(String id) {
        if (id.isEmpty()) {
            throw ErrorStatus.invalid("vocabulary_id is empty: name the vocabulary"
                    + " (CreateVocabulary returns one and ListVocabularies lists them)");
        }
        return store.get(id);
    }

    /**
     * A request stream that ends at its first failure: the caller gets the status once, later
     * messages are ignored.
     */
    private abstract static class CallObserver<T> implements StreamObserver<T> {
        private final String method;
        private final StreamObserver<?> response;
        private boolean failed;

        CallObserver(String method, StreamObserver<?> response) {
            this.method = method;
            this.response = response;
        }

        abstract void next(T message);

        abstract void completed();

        @Override
        public final void onNext(T message) {
            if (failed) {
                return;
            }
            try {
                next(message);
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        @Override
        public final void onCompleted() {
            if (failed) {
                return;
            }
            try {
                completed();
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        @Override
        public final void onError(Throwable cancelled) {
            failed = true;
        }

        private void fail(RuntimeException e) {
            failed = true;
            response.onError(ErrorStatus.of(method, e));
        }
    }
}
