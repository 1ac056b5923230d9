package dev.scratchgpt.tokenizer.vocab;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns UTF-8 bytes that arrive in chunks split anywhere into text. The bytes of a character
 * cut by a chunk boundary are kept until the next chunk completes it.
 *
 * <p>Strict mode (for text a client sends) rejects invalid UTF-8 with an
 * {@link InvalidInputException} naming the byte offset; lenient mode (for token bytes being
 * decoded) replaces it with U+FFFD.
 */
public final class Utf8StreamDecoder {

    private final CharsetDecoder decoder;
    private final String field;
    private ByteBuffer pending = ByteBuffer.allocate(0);
    private long bytesConsumed;

    /** @param field the request field the bytes came from, for error messages */
    public static Utf8StreamDecoder strict(String field) {
        return new Utf8StreamDecoder(true, field);
    }

    public static Utf8StreamDecoder lenient() {
        return new Utf8StreamDecoder(false, "bytes");
    }

    private Utf8StreamDecoder(boolean strict, String field) {
        CodingErrorAction action = strict ? CodingErrorAction.REPORT : CodingErrorAction.REPLACE;
        this.decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(action)
                .onUnmappableCharacter(action);
        this.field = field;
    }

    /** Decodes the next chunk; returns the characters it completes. */
    public String decode(byte[] bytes, int offset, int length) {
        ByteBuffer in;
        if (pending.hasRemaining()) {
            in = ByteBuffer.allocate(pending.remaining() + length);
            in.put(pending).put(bytes, offset, length).flip();
        } else {
            in = ByteBuffer.wrap(bytes, offset, length);
        }
        String text = run(in, false);
        pending = in.hasRemaining() ? copy(in) : ByteBuffer.allocate(0);
        return text;
    }

    public String decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    /** Ends the stream: an unfinished character is an error (strict) or U+FFFD (lenient). */
    public String finish() {
        String text = run(pending, true);
        pending = ByteBuffer.allocate(0);
        return text;
    }

    /** Bytes turned into characters so far. */
    public long bytesConsumed() {
        return bytesConsumed;
    }

    private String run(ByteBuffer in, boolean endOfInput) {
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        while (true) {
            int before = in.position();
            CoderResult result = decoder.decode(in, out, endOfInput);
            bytesConsumed += in.position() - before;
            if (result.isError()) {
                // only reached in strict mode
                throw new InvalidInputException(field + " is not valid UTF-8: " + result.length()
                        + " bad byte(s) at byte offset " + bytesConsumed
                        + (endOfInput ? " (the stream ended inside a character)" : ""));
            }
            if (result.isOverflow()) {
                CharBuffer bigger = CharBuffer.allocate(out.capacity() * 2 + 2);
                out.flip();
                bigger.put(out);
                out = bigger;
                continue;
            }
            break;
        }
        if (endOfInput) {
            decoder.flush(out);
            decoder.reset();
        }
        out.flip();
        return out.toString();
    }

    private static ByteBuffer copy(ByteBuffer in) {
        ByteBuffer rest = ByteBuffer.allocate(in.remaining());
        rest.put(in).flip();
        return rest;
    }
}
