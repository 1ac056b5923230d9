package dev.scratchgpt.tokenizer.bpe;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns token bytes arriving piece by piece into text, emitting only whole characters. A BPE
 * token may end in the middle of a multi-byte character (an emoji is often two or three
 * tokens); those bytes wait here until the rest arrives. Bytes that can never become a valid
 * character become U+FFFD as soon as that is certain, so the concatenated output always
 * equals {@code new String(allBytes, UTF_8)}. One instance per stream; not thread-safe.
 */
public final class Utf8StreamDecoder {

    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** An incomplete character carried over from the previous call: at most 3 bytes. */
    private byte[] pending = new byte[0];

    /** The text completed by {@code bytes}; empty while a character is still incomplete. */
    public String accept(byte[] bytes) {
        return decode(bytes, false);
    }

    /** Ends the stream: an incomplete character left over becomes U+FFFD. */
    public String finish() {
        String rest = decode(new byte[0], true);
        decoder.reset();
        return rest;
    }

    private String decode(byte[] bytes, boolean endOfInput) {
        ByteBuffer in = ByteBuffer.allocate(pending.length + bytes.length);
        in.put(pending).put(bytes).flip();
        CharBuffer out = CharBuffer.allocate(in.remaining() + 2);
        decoder.decode(in, out, endOfInput);
        if (endOfInput) {
            decoder.flush(out);
        }
        // Underflow leaves the bytes of a character that may still be completed in the buffer.
        pending = new byte[in.remaining()];
        in.get(pending);
        return out.flip().toString();
    }
}
