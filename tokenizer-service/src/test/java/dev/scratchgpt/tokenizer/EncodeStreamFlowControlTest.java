package dev.scratchgpt.tokenizer;

import com.google.protobuf.ByteString;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.tokenizer.v1.CreateVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.EncodeRequest;
import dev.scratchgpt.tokenizer.v1.EncodeStreamRequest;
import dev.scratchgpt.tokenizer.v1.EncodeStreamResponse;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * EncodeStream under a client that sends as fast as gRPC lets it and reads slowly: the server
 * reads and encodes only as far as the client reads (flow control both ways), the result is
 * still exact, and a client that cancels midway leaves nothing behind. Measured with the
 * tokenizer's own counters and gauges, over a real gRPC socket.
 */
@QuarkusTest
class EncodeStreamFlowControlTest {

    /** 1,000,003 bytes per request message: boundaries fall anywhere, also inside multi-byte characters. */
    static final int CHUNK = 1_000_003;
    /**
     * How far the server may run ahead of what the client has read, in characters: the ids of
     * one request message (about 1 M) plus what the HTTP/2 windows and write queues hold
     * (measured: 1.7 M). Without flow control it runs ahead by the whole 50 MB.
     */
    static final long MAX_AHEAD = 8_000_000;

    static ManagedChannel channel;
    static TokenizerGrpc.TokenizerStub async;
    static String vocabularyId;
    static List<Integer> copyIds;
    static byte[] text;
    static int copies;

    @Inject
    MeterRegistry meters;

    @BeforeAll
    static void fiftyMegabytes() throws Exception {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", TokenizerEndpointTest.port()).usePlaintext().build();
        async = TokenizerGrpc.newStub(channel);
        TokenizerGrpc.TokenizerBlockingStub blocking = TokenizerGrpc.newBlockingStub(channel)
                .withDeadlineAfter(2, TimeUnit.MINUTES);
        String copy = Files.readString(SharedData.tinyShakespeare()) + "😀世";
        vocabularyId = blocking.createVocabulary(CreateVocabularyRequest.newBuilder().setText(copy).build())
                .getVocabularyId();
        copyIds = blocking.encode(EncodeRequest.newBuilder().setVocabularyId(vocabularyId).setText(copy).build())
                .getIdsList();
        byte[] copyBytes = copy.getBytes(StandardCharsets.UTF_8);
        copies = 50 * 1024 * 1024 / copyBytes.length + 1;
        text = new byte[copyBytes.length * copies];
        for (int i = 0; i < copies; i++) {
            System.arraycopy(copyBytes, 0, text, i * copyBytes.length, copyBytes.length);
        }
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void aClientThatIgnoresFlowControlGetsEvery50MegabytesIdExactlyWithinTheDefaultMessageLimits() throws Exception {
        Reader reader = new Reader(false);
        StreamObserver<EncodeStreamRequest> requests = async.encodeStream(reader);
        // Sends every message at once, never asking isReady: gRPC buffers them in this client.
        for (int from = 0; from < text.length; from += CHUNK) {
            EncodeStreamRequest.Builder r = EncodeStreamRequest.newBuilder()
                    .setData(ByteString.copyFrom(text, from, Math.min(CHUNK, text.length - from)));
            requests.onNext((from == 0 ? r.setVocabularyId(vocabularyId) : r).build());
        }
        requests.onCompleted();
        reader.done.get(3, TimeUnit.MINUTES);
        assertTrue(text.length >= 50 * 1024 * 1024);
        assertExact(reader);
    }

    @Test
    void aSlowReaderHoldsTheServerBackAndStillGetsEveryIdExactly() throws Exception {
        double encodedBefore = charactersEncoded();
        Reader reader = new Reader(true);
        async.encodeStream(reader);
        waitUntil(() -> reader.messages.get() >= 1, "the first response");

        // The client now reads nothing more: wait until neither side moves.
        waitUntilStill(() -> reader.bytesSent.get() + (long) charactersEncoded());
        long ahead = (long) (charactersEncoded() - encodedBefore) - reader.ids.get();
        long sent = reader.bytesSent.get();
        System.out.printf("slow reader: read %d ids; server encoded %d characters ahead of it; client sent %d of %d"
                + " bytes; pending ids %d%n", reader.ids.get(), ahead, sent, text.length, (long) pendingIds());
        assertTrue(ahead <= MAX_AHEAD, "the server encoded " + ahead + " characters beyond what the client read");
        assertTrue(pendingIds() <= CHUNK, "pending ids " + pendingIds() + " exceed one request message");
        // Vert.x's gRPC server queues up to 16 request messages ahead of request(n) (its
        // InboundBuffer's high-water mark) before it stops taking bytes: a bound per call, but not
        // one message. Without flow control the client would have pushed all 50 MB.
        assertTrue(sent <= text.length / 2, "the server kept reading: the client sent " + sent + " of " + text.length
                + " bytes");

        reader.call.request(Integer.MAX_VALUE);
        reader.done.get(3, TimeUnit.MINUTES);
        assertExact(reader);
        waitUntil(() -> activeStreams() == 0 && pendingIds() == 0, "the call to be released");
    }

    @Test
    void aClientThatCancelsMidwayLeavesNothingBehind() throws Exception {
        Reader reader = new Reader(true);
        async.encodeStream(reader);
        waitUntil(() -> reader.messages.get() >= 1, "the first response");
        waitUntilStill(() -> reader.bytesSent.get() + (long) charactersEncoded());
        assertEquals(1.0, activeStreams(), "the open call is counted");
        assertTrue(pendingIds() > 0, "the server holds ids the client has not read");

        reader.call.cancel("the test cancels midway", null);
        waitUntil(() -> activeStreams() == 0 && pendingIds() == 0, "the cancelled call to be released");

        // The service is not stuck: the encoding threads and the event loop serve the next call.
        Reader next = new Reader(true, CHUNK);
        async.encodeStream(next);
        next.call.request(Integer.MAX_VALUE);
        next.done.get(1, TimeUnit.MINUTES);
        assertEquals(0, next.mismatches.get());
        assertTrue(next.ids.get() > 0);
    }

    @Test
    void anEmptyStreamEndsWithNoIdsAndABadMessageEndsTheCallWithASentence() throws Exception {
        Reader empty = new Reader(false);
        async.encodeStream(empty).onCompleted();
        empty.done.get(1, TimeUnit.MINUTES);
        assertEquals(0, empty.ids.get());

        Reader bad = new Reader(false);
        StreamObserver<EncodeStreamRequest> requests = async.encodeStream(bad);
        requests.onNext(EncodeStreamRequest.newBuilder().setVocabularyId(vocabularyId)
                .setData(ByteString.copyFrom(text, 0, CHUNK)).build());
        requests.onNext(EncodeStreamRequest.newBuilder().setData(ByteString.copyFromUtf8("fine, then \u00e9")).build());
        requests.onCompleted();
        Throwable failure = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> bad.done.get(1, TimeUnit.MINUTES)).getCause();
        Status status = Status.fromThrowable(failure);
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), String.valueOf(status));
        assertTrue(status.getDescription().contains("U+00E9"), status.getDescription());
        waitUntil(() -> activeStreams() == 0 && pendingIds() == 0, "the failed call to be released");
    }

    private static void assertExact(Reader reader) {
        assertEquals((long) copyIds.size() * copies, reader.ids.get(), "ids of " + copies + " copies");
        assertEquals(0, reader.mismatches.get(), "ids that differ from the unary encoding");
        assertEquals(reader.ids.get(), reader.lastCharsConsumed.get(), "chars_consumed at the end");
    }

    /**
     * Checks every id against the unary encoding of one copy. A slow reader sends {@code text}
     * as fast as gRPC is ready for it (onReady/isReady) and reads one response, then only when
     * asked ({@code call.request(n)}); otherwise the test sends and gRPC reads automatically.
     */
    private static final class Reader implements ClientResponseObserver<EncodeStreamRequest, EncodeStreamResponse> {
        final int limit;
        final AtomicLong bytesSent = new AtomicLong();
        final AtomicLong messages = new AtomicLong();
        final AtomicLong ids = new AtomicLong();
        final AtomicLong mismatches = new AtomicLong();
        final AtomicLong lastCharsConsumed = new AtomicLong();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile ClientCallStreamObserver<EncodeStreamRequest> call;
        private int offset;
        private boolean halfClosed;

        final boolean slow;

        Reader(boolean slow) {
            this(slow, text.length);
        }

        Reader(boolean slow, int limit) {
            this.slow = slow;
            this.limit = limit;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<EncodeStreamRequest> requests) {
            call = requests;
            if (slow) {
                requests.disableAutoRequestWithInitial(1);
                requests.setOnReadyHandler(this::send);
            }
        }

        private synchronized void send() {
            while (call.isReady() && offset < limit) {
                int length = Math.min(CHUNK, limit - offset);
                EncodeStreamRequest.Builder r = EncodeStreamRequest.newBuilder()
                        .setData(ByteString.copyFrom(text, offset, length));
                call.onNext((offset == 0 ? r.setVocabularyId(vocabularyId) : r).build());
                offset += length;
                bytesSent.set(offset);
            }
            if (offset == limit && !halfClosed) {
                halfClosed = true;
                call.onCompleted();
            }
        }

        @Override
        public void onNext(EncodeStreamResponse r) {
            long n = ids.get();
            for (int i = 0; i < r.getIdsCount(); i++, n++) {
                if (r.getIds(i) != copyIds.get((int) (n % copyIds.size()))) {
                    mismatches.incrementAndGet();
                }
            }
            ids.set(n);
            lastCharsConsumed.set(r.getCharsConsumed());
            messages.incrementAndGet();
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            done.complete(null);
        }
    }

    private double charactersEncoded() {
        return meters.get("scratchgpt.tokenizer.characters.encoded").counter().count();
    }

    private double activeStreams() {
        return meters.get("scratchgpt.tokenizer.encode.streams.active").gauge().value();
    }

    private double pendingIds() {
        return meters.get("scratchgpt.tokenizer.encode.stream.pending.ids").gauge().value();
    }

    private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Waits until {@code progress} has not changed for two seconds. */
    private static void waitUntilStill(java.util.function.LongSupplier progress) throws InterruptedException {
        long last = progress.getAsLong();
        long stillSince = System.nanoTime();
        long deadline = stillSince + TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() - stillSince < TimeUnit.SECONDS.toNanos(2)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the call never came to rest");
            }
            Thread.sleep(100);
            long now = progress.getAsLong();
            if (now != last) {
                last = now;
                stillSince = System.nanoTime();
            }
        }
    }
}
