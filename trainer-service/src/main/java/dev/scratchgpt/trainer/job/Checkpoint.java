package dev.scratchgpt.trainer.job;

import ai.djl.ndarray.NDArray;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.scratchgpt.trainer.data.DataDirectory;
import dev.scratchgpt.trainer.v1.TrainingSpec;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a run needs to continue as if it had never stopped: the completed step, the
 * resolved spec, every parameter with its two AdamW moments, and the optimizer's update count.
 * The RNG needs no bytes of its own: each step reseeds the engine from (seed, step).
 *
 * <p>One file, {@code checkpoint.bin}, written to a temporary name and renamed over the old
 * one, so a crash leaves either the previous checkpoint or the new one, never half of one.
 */
public record Checkpoint(int step, long optimizerSteps, TrainingSpec spec, Map<String, Tensor> tensors) {

    private static final int MAGIC = 0x53474350; // "SGCP"
    private static final int VERSION = 1;
    public static final String FILE = "checkpoint.bin";

    /** One parameter: its shape, values and AdamW moments (row-major float32). */
    public record Tensor(long[] shape, float[] value, float[] m, float[] v) {
    }

    /** Copies parameters and moments off the device. */
    public static Checkpoint capture(int step, long optimizerSteps, TrainingSpec spec, Map<String, NDArray> params,
                                     Map<String, NDArray> m, Map<String, NDArray> v) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        params.forEach((name, p) -> tensors.put(name, new Tensor(p.getShape().getShape(), p.toFloatArray(),
                m.get(name).toFloatArray(), v.get(name).toFloatArray())));
        return new Checkpoint(step, optimizerSteps, spec, tensors);
    }

    /**
     * Writes the checkpoint beside the current one and renames it over it. On failure (a full
     * disk, say) the temporary file is removed, the previous checkpoint is left as it was, and
     * the IOException's message names the file and the cause.
     */
    public void write(Path dir) throws IOException {
        Path target = dir.resolve(FILE);
        try {
            DataDirectory.replaceAtomically(target, this::writeTo);
        } catch (IOException e) {
            throw new IOException("writing checkpoint " + target + " (step " + step + ") failed: "
                    + DataDirectory.reason(e), e);
        }
    }

    private void writeTo(Path temp) throws IOException {
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 20))) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(step);
            out.writeLong(optimizerSteps);
            byte[] specBytes = spec.toByteArray();
            out.writeInt(specBytes.length);
            out.write(specBytes);
            out.writeInt(tensors.size());
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                out.writeUTF(e.getKey());
                long[] shape = e.getValue().shape();
                out.writeInt(shape.length);
                for (long d : shape) {
                    out.writeLong(d);
                }
                writeFloats(out, e.getValue().value());
                writeFloats(out, e.getValue().m());
                writeFloats(out, e.getValue().v());
            }
            out.flush();
            channel.force(true); // on disk before the rename makes it the checkpoint
        }
    }

    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    public static Checkpoint read(Path dir) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(dir.resolve(FILE)), 1 << 20))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw new IOException(dir.resolve(FILE) + " is not a version " + VERSION + " scratchgpt checkpoint");
            }
            int step = in.readInt();
            long optimizerSteps = in.readLong();
            byte[] specBytes = in.readNBytes(in.readInt());
            TrainingSpec spec;
            try {
                spec = TrainingSpec.parseFrom(specBytes);
            } catch (InvalidProtocolBufferException e) {
                throw new IOException("checkpoint spec unreadable", e);
            }
            int count = in.readInt();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                long[] shape = new long[in.readInt()];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.readLong();
                }
                tensors.put(name, new Tensor(shape, readFloats(in), readFloats(in), readFloats(in)));
            }
            return new Checkpoint(step, optimizerSteps, spec, tensors);
        }
    }

    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(values);
        out.writeInt(values.length);
        out.write(bb.array());
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        int n = in.readInt();
        byte[] bytes = in.readNBytes(n * Float.BYTES);
        if (bytes.length != n * Float.BYTES) {
            throw new IOException("checkpoint truncated");
        }
        float[] values = new float[n];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }
}
