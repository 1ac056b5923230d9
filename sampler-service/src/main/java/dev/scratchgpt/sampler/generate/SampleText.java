package dev.scratchgpt.sampler.generate;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The text of one sample as its tokens arrive. Tokens are decoded locally from the
 * vocabulary's bytes rather than by a Decode call per token: a round trip to the tokenizer
 * would cost as much as a whole decode step. Only complete characters are released, and text
 * that could be the start of a stop sequence is held back until it is known not to be one, so
 * a stream never shows a broken character or part of a stop sequence.
 */
public final class SampleText {

    private final Vocabulary vocabulary;
    private final List<String> stop;
    private final int longestStop;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(64);
    private final StringBuilder text = new StringBuilder();
    private int released;
    private boolean stopped;

    public SampleText(Vocabulary vocabulary, List<String> stop) {
        this.vocabulary = vocabulary;
        this.stop = stop;
        this.longestStop = stop.stream().mapToInt(String::length).max().orElse(0);
    }

    /** Adds one generated token; returns the text it made safe to show (often one character, maybe empty). */
    public String add(int id) {
        byte[] bytes = vocabulary.tokenBytes()[id];
        if (pending.remaining() < bytes.length) {
            ByteBuffer bigger = ByteBuffer.allocate(pending.capacity() * 2 + bytes.length);
            pending.flip();
            bigger.put(pending);
            pending = bigger;
        }
        pending.put(bytes);
        pending.flip();
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 1);
        utf8.decode(pending, out, false); // an incomplete character stays in pending
        pending.compact();
        out.flip();
        int before = text.length();
        text.append(out);
        if (longestStop > 0) {
            findStop(Math.max(0, before - longestStop + 1));
        }
        return release(stopped ? text.length() : text.length() - heldBack());
    }

    /** At the end: whatever was held back (a stop-sequence prefix that never completed, a dangling byte as U+FFFD). */
    public String finish() {
        if (!stopped && pending.position() > 0) {
            pending.flip();
            CharBuffer out = CharBuffer.allocate(pending.remaining() + 1);
            utf8.decode(pending, out, true);
            utf8.flush(out);
            out.flip();
            text.append(out);
            pending.clear();
        }
        return release(text.length());
    }

    public boolean stopped() {
        return stopped;
    }

    /** All text so far (cut before the stop sequence when one was reached). */
    public String text() {
        return text.toString();
    }

    private void findStop(int from) {
        int earliest = -1;
        for (String s : stop) {
            int at = text.indexOf(s, from);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        if (earliest >= 0) {
            text.setLength(earliest);
            stopped = true;
        }
    }

    /** Length of the longest end of the text that is the beginning of some stop sequence. */
    private int heldBack() {
        int held = 0;
        for (String s : stop) {
            for (int k = Math.min(s.length() - 1, text.length()); k > held; k--) {
                if (text.indexOf(s.substring(0, k), text.length() - k) == text.length() - k) {
                    held = k;
                    break;
                }
            }
        }
        return held;
    }

    private String release(int end) {
        if (end > released && end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--; // never split a surrogate pair between two messages
        }
        if (end <= released) {
            return "";
        }
        String piece = text.substring(released, end);
        released = end;
        return piece;
    }
}
