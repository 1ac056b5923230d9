package dev.scratchgpt.tokenizer.vocab;

import java.io.ByteArrayOutputStream;

/**
 * The decoder for any vocabulary: concatenates token bytes and returns text up to the last
 * complete UTF-8 character. Kinds whose tokens are whole characters may do better.
 */
final class Utf8TokenDecoder implements Decoder {

    private final Vocabulary vocabulary;
    private final Utf8StreamDecoder utf8 = Utf8StreamDecoder.lenient();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private long position;

    Utf8TokenDecoder(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
    }

    @Override
    public String decode(int[] ids, int offset, int length) {
        bytes.reset();
        for (int i = offset; i < offset + length; i++) {
            bytes.writeBytes(vocabulary.tokenBytes(vocabulary.checkId(ids[i], position++)));
        }
        return utf8.decode(bytes.toByteArray());
    }

    @Override
    public String finish() {
        return utf8.finish();
    }
}
