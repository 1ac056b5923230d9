package dev.scratchgpt.tokenizer.bpe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * OpenAI's published BPE ranks, read from the tiktoken-format files that the jtokkit jar
 * carries as resources (one line per token: base64 of its bytes, a space, its rank). The
 * files are data only; encoding with them is {@link BytePairEncoding}'s job. Special token
 * ids are tiktoken's.
 */
public enum PretrainedEncoding {

    R50K_BASE("r50k_base", SplitPattern.GPT2, Map.of("<|endoftext|>", 50256)),
    CL100K_BASE("cl100k_base", SplitPattern.CL100K, orderedMap(
            "<|endoftext|>", 100257,
            "<|fim_prefix|>", 100258,
            "<|fim_middle|>", 100259,
            "<|fim_suffix|>", 100260,
            "<|endofprompt|>", 100276));

    private static final String RESOURCE_DIR = "/com/knuddels/jtokkit/";

    private final String id;
    private final SplitPattern splitPattern;
    private final Map<String, Integer> knownSpecials;
    /** The parsed rank file, read once (it is 0.8-1.7 MB) and shared by every vocabulary using it. */
    private volatile byte[][] ranks;

    PretrainedEncoding(String id, SplitPattern splitPattern, Map<String, Integer> knownSpecials) {
        this.id = id;
        this.splitPattern = splitPattern;
        this.knownSpecials = knownSpecials;
    }

    /** The published name, "r50k_base" or "cl100k_base". */
    public String id() {
        return id;
    }

    /** Special tokens this encoding defines, with their published ids. */
    public Map<String, Integer> knownSpecials() {
        return knownSpecials;
    }

    /** The encoding named {@code id} (case-insensitive), or null if there is none. */
    public static PretrainedEncoding byId(String id) {
        for (PretrainedEncoding encoding : values()) {
            if (encoding.id.equals(id.toLowerCase(Locale.ROOT))) {
                return encoding;
            }
        }
        return null;
    }

    /**
     * Loads the ranks with the given subset of {@link #knownSpecials()}.
     *
     * @throws IllegalArgumentException naming a special token this encoding does not define
     */
    public BytePairEncoding load(List<String> specialTokens) {
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (String special : specialTokens) {
            Integer specialId = knownSpecials.get(special);
            if (specialId == null) {
                throw new IllegalArgumentException("special token " + special + " is not defined by " + id
                        + " (it defines " + String.join(", ", knownSpecials.keySet()) + ")");
            }
            specials.put(special, specialId);
        }
        return new BytePairEncoding(ranks(), specials, splitPattern);
    }

    private byte[][] ranks() {
        byte[][] loaded = ranks;
        if (loaded == null) {
            synchronized (this) {
                loaded = ranks;
                if (loaded == null) {
                    ranks = loaded = readRanks();
                }
            }
        }
        return loaded;
    }

    private byte[][] readRanks() {
        String resource = RESOURCE_DIR + id + ".tiktoken";
        List<byte[]> byRank = new ArrayList<>(1 << 17);
        try (InputStream in = PretrainedEncoding.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Resource " + resource + " not found: is jtokkit on the classpath?");
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            Base64.Decoder base64 = Base64.getDecoder();
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isEmpty()) {
                    continue;
                }
                int space = line.indexOf(' ');
                int rank = Integer.parseInt(line.substring(space + 1));
                while (byRank.size() <= rank) {
                    byRank.add(null);
                }
                byRank.set(rank, base64.decode(line.substring(0, space)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + resource, e);
        }
        return byRank.toArray(new byte[0][]);
    }

    private static Map<String, Integer> orderedMap(Object... pairs) {
        Map<String, Integer> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], (Integer) pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(map);
    }
}
