package dev.scratchgpt.tokenizer;

import dev.scratchgpt.tokenizer.v1.EncodeStreamRequest;
import dev.scratchgpt.tokenizer.v1.EncodeStreamResponse;
import dev.scratchgpt.tokenizer.vocab.Encoder;
import dev.scratchgpt.tokenizer.vocab.IdBuffer;
import dev.scratchgpt.tokenizer.vocab.Utf8StreamDecoder;
import dev.scratchgpt.tokenizer.vocab.Vocabulary;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Context;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One EncodeStream call with flow control both ways, so that a client that sends fast and reads
 * slowly cannot make the server hold more than one request message's worth of ids.
 *
 * <p>The call asks gRPC for one request message at a time ({@code disableAutoRequest}, then
 * {@code request(1)}), encodes it on the encoding executor, sends the ids only while the
 * transport is ready for more ({@code isReady}, resuming in the {@code onReady} handler), and
 * asks for the next message only once every id of this one is handed over. Everything but the
 * encoding runs on the call's Vert.x event-loop context, so the state needs no lock and no
 * thread ever waits for another: there is nothing to deadlock on. (An earlier attempt at manual
 * flow control on Quarkus's blocking worker pool deadlocked; here no thread blocks waiting for
 * readiness, the onReady callback resumes the work instead.)
 */
final class EncodeStreamCall implements StreamObserver<EncodeStreamRequest> {

    private final ServerCallStreamObserver<EncodeStreamResponse> response;
    private final Context context;
    private final Executor encoding;
    private final Function<String, Vocabulary> vocabularies;
    private final Consumer<EncodeStreamRequest> checkSize;
    private final TokenizerMetrics metrics;
    private final int idsPerMessage;

    private final Utf8StreamDecoder utf8 = Utf8StreamDecoder.strict("data");
    private final IdBuffer ids = new IdBuffer(1024);
    private Encoder encoder;
    /** Ids of {@link #ids} before this index are handed to gRPC already. */
    private int sent;
    /** An encoding task is running: its ids are not ready yet. */
    private boolean busy;
    /** A request message is asked for and has not arrived: asking again would let two in. */
    private boolean requested;
    private boolean halfClosed;
    private boolean tailEncoded;
    /** Completed, failed or cancelled: nothing more happens. */
    private boolean over;

    private EncodeStreamCall(ServerCallStreamObserver<EncodeStreamResponse> response, Context context,
                             Executor encoding, Function<String, Vocabulary> vocabularies,
                             Consumer<EncodeStreamRequest> checkSize, TokenizerMetrics metrics, int idsPerMessage) {
        this.response = response;
        this.context = context;
        this.encoding = encoding;
        this.vocabularies = vocabularies;
        this.checkSize = checkSize;
        this.metrics = metrics;
        this.idsPerMessage = idsPerMessage;
    }

    /**
     * Takes over the call; must run on the call's event loop, inside the service method (gRPC
     * reads {@code disableAutoRequest} when the method returns).
     */
    static EncodeStreamCall start(StreamObserver<EncodeStreamResponse> response, Executor encoding,
                                  Function<String, Vocabulary> vocabularies, Consumer<EncodeStreamRequest> checkSize,
                                  TokenizerMetrics metrics, int idsPerMessage) {
        Context context = io.vertx.core.Vertx.currentContext();
        if (context == null || !(response instanceof ServerCallStreamObserver<EncodeStreamResponse> call)) {
            throw new IllegalStateException("EncodeStream must be called by gRPC on a Vert.x event loop");
        }
        EncodeStreamCall c = new EncodeStreamCall(call, context, encoding, vocabularies, checkSize, metrics,
                idsPerMessage);
        call.disableAutoRequest();
        call.setOnReadyHandler(c::drain);
        call.setOnCancelHandler(c::release);
        metrics.encodeStreamOpened();
        c.requestNext();
        return c;
    }

    @Override
    public void onNext(EncodeStreamRequest request) {
        requested = false;
        if (over) {
            return;
        }
        try {
            checkSize.accept(request);
            if (encoder == null) {
                encoder = vocabularies.apply(request.getVocabularyId()).newEncoder();
            }
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        byte[] data = request.getData().toByteArray();
        encodeElsewhere(() -> encoder.encode(utf8.decode(data), ids));
    }

    @Override
    public void onCompleted() {
        if (over) {
            return;
        }
        halfClosed = true;
        drain();
    }

    /** The client cancelled or its deadline passed. */
    @Override
    public void onError(Throwable cancelled) {
        release();
    }

    /**
     * Hands ids to gRPC while it is ready for more; when all are handed over, asks for the next
     * request message, or ends the call after the last one.
     */
    private void drain() {
        if (over || busy) {
            return;
        }
        while (sent < ids.size() && response.isReady()) {
            int to = Math.min(ids.size(), sent + idsPerMessage);
            EncodeStreamResponse.Builder message = EncodeStreamResponse.newBuilder()
                    .setCharsConsumed(encoder.codePoints());
            for (int i = sent; i < to; i++) {
                message.addIds(ids.get(i));
            }
            response.onNext(message.build());
            metrics.encodeStreamIdsPending(sent - to);
            sent = to;
        }
        if (sent < ids.size()) {
            return; // onReady calls drain again when the client has read some
        }
        ids.clear();
        sent = 0;
        if (!halfClosed) {
            requestNext();
        } else if (encoder != null && !tailEncoded) {
            tailEncoded = true;
            encodeElsewhere(() -> {
                encoder.encode(utf8.finish(), ids);
                encoder.finish(ids);
            });
        } else {
            over = true;
            metrics.encodeStreamClosed();
            response.onCompleted();
        }
    }

    private void requestNext() {
        if (!requested) {
            requested = true;
            response.request(1);
        }
    }

    /** Runs {@code work} (which appends to {@link #ids}) on the encoding executor, then drains. */
    private void encodeElsewhere(Runnable work) {
        busy = true;
        long before = encoder.codePoints();
        try {
            encoding.execute(() -> {
                RuntimeException failure = null;
                try {
                    work.run();
                } catch (RuntimeException e) {
                    failure = e;
                } catch (Error e) {
                    // e.g. OutOfMemoryError: the call must still end, or it would hold its slot forever
                    failure = new IllegalStateException("encoding failed: " + e, e);
                }
                RuntimeException f = failure;
                int produced = ids.size();
                long characters = encoder.codePoints() - before;
                context.runOnContext(v -> {
                    busy = false;
                    metrics.charactersEncoded(characters);
                    if (over) {
                        ids.clear(); // cancelled meanwhile
                    } else if (f != null) {
                        fail(f);
                    } else {
                        metrics.encodeStreamIdsPending(produced);
                        drain();
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            busy = false;
            fail(e);
        }
    }

    private void fail(RuntimeException e) {
        release();
        response.onError(ErrorStatus.of("EncodeStream", e));
    }

    /** Drops whatever the call holds; safe to call more than once. */
    private void release() {
        if (over) {
            return;
        }
        over = true;
        metrics.encodeStreamClosed();
        if (!busy) { // a running task's ids are not counted yet; its completion drops them
            metrics.encodeStreamIdsPending(sent - ids.size());
            ids.clear();
            sent = 0;
        }
    }
}
