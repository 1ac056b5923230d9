package dev.scratchgpt.tokenizer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The tokenizer's own metrics on /q/metrics (requests per method come from Quarkus's gRPC
 * server metrics): {@code scratchgpt_tokenizer_characters_encoded_total} and
 * {@code scratchgpt_tokenizer_ids_decoded_total}; for EncodeStream's flow control
 * {@code scratchgpt_tokenizer_encode_streams_active} (calls open) and
 * {@code scratchgpt_tokenizer_encode_stream_pending_ids} (ids encoded and not yet handed to
 * gRPC, over all calls: at most one request message's worth per call).
 */
@ApplicationScoped
public class TokenizerMetrics {

    private final Counter charactersEncoded;
    private final Counter idsDecoded;
    private final AtomicLong encodeStreamsActive = new AtomicLong();
    private final AtomicLong encodeStreamPendingIds = new AtomicLong();

    TokenizerMetrics(MeterRegistry registry) {
        charactersEncoded = Counter.builder("scratchgpt.tokenizer.characters.encoded")
                .description("Characters (Unicode code points) encoded by Encode and EncodeStream")
                .register(registry);
        idsDecoded = Counter.builder("scratchgpt.tokenizer.ids.decoded")
                .description("Token ids decoded by Decode and DecodeStream")
                .register(registry);
        Gauge.builder("scratchgpt.tokenizer.encode.streams.active", encodeStreamsActive, AtomicLong::get)
                .description("EncodeStream calls open")
                .register(registry);
        Gauge.builder("scratchgpt.tokenizer.encode.stream.pending.ids", encodeStreamPendingIds, AtomicLong::get)
                .description("Ids encoded by EncodeStream and not yet handed to gRPC, over all calls")
                .register(registry);
    }

    public void charactersEncoded(long count) {
        charactersEncoded.increment(count);
    }

    public void idsDecoded(long count) {
        idsDecoded.increment(count);
    }

    public void encodeStreamOpened() {
        encodeStreamsActive.incrementAndGet();
    }

    public void encodeStreamClosed() {
        encodeStreamsActive.decrementAndGet();
    }

    /** {@code delta} ids became pending (positive) or were handed to gRPC or dropped (negative). */
    public void encodeStreamIdsPending(long delta) {
        encodeStreamPendingIds.addAndGet(delta);
    }
}
