package dev.scratchgpt.tokenizer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The tokenizer's own metrics on /q/metrics (requests per method come from Quarkus's gRPC
 * server metrics): {@code scratchgpt_tokenizer_characters_encoded_total} and
 * {@code scratchgpt_tokenizer_ids_decoded_total}.
 */
@ApplicationScoped
public class TokenizerMetrics {

    private final Counter charactersEncoded;
    private final Counter idsDecoded;

    TokenizerMetrics(MeterRegistry registry) {
        charactersEncoded = Counter.builder("scratchgpt.tokenizer.characters.encoded")
                .description("Characters (Unicode code points) encoded by Encode and EncodeStream")
                .register(registry);
        idsDecoded = Counter.builder("scratchgpt.tokenizer.ids.decoded")
                .description("Token ids decoded by Decode and DecodeStream")
                .register(registry);
    }

    public void charactersEncoded(long count) {
        charactersEncoded.increment(count);
    }

    public void idsDecoded(long count) {
        idsDecoded.increment(count);
    }
}
