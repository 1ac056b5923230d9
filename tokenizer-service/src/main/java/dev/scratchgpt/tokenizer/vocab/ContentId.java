package dev.scratchgpt.tokenizer.vocab;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A vocabulary's id: the first 24 hex digits of a sha256 over its kind, token table,
 * {@code <unk>} id, special tokens and pretrained name. Creation time and corpus size are not
 * part of it, so building the same vocabulary twice gives the same id.
 */
public final class ContentId {

    private static final int HEX_DIGITS = 24;

    private ContentId() {
    }

    public static String of(VocabularyKind kind, int size, IntFunction<byte[]> tokenBytes, int unkId,
                            List<String> specialTokens, String pretrained) {
        MessageDigest sha = sha256();
        update(sha, "scratchgpt-vocabulary-v1".getBytes(StandardCharsets.UTF_8));
        update(sha, kind.name().getBytes(StandardCharsets.UTF_8));
        sha.update(ByteBuffer.allocate(8).putInt(size).putInt(unkId).array());
        for (int id = 0; id < size; id++) {
            update(sha, tokenBytes.apply(id));
        }
        sha.update(ByteBuffer.allocate(4).putInt(specialTokens.size()).array());
        for (String special : specialTokens) {
            update(sha, special.getBytes(StandardCharsets.UTF_8));
        }
        update(sha, pretrained.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(sha.digest()).substring(0, HEX_DIGITS);
    }

    /** Length-prefixed, so no two different tables hash the same bytes. */
    private static void update(MessageDigest sha, byte[] bytes) {
        sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        sha.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
