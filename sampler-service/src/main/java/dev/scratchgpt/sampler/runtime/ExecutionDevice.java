package dev.scratchgpt.sampler.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.jboss.logging.Logger;

/**
 * Where ONNX Runtime runs the graphs, decided once at start from
 * {@code scratchgpt.sampler.device} = {@code auto|cpu|cuda[:N]}. CUDA is detected by trying
 * to add its provider: the provider list is no proof (the GPU jar lists CUDA even where its
 * libraries cannot load), and the CPU jar answers ORT_EP_FAIL.
 */
public record ExecutionDevice(boolean cuda, int index) {

    private static final Logger LOG = Logger.getLogger(ExecutionDevice.class);

    public static final ExecutionDevice CPU = new ExecutionDevice(false, 0);

    /** Resolves the setting; {@code cuda} that cannot load throws with a sentence, {@code auto} falls back to CPU with one log line. */
    public static ExecutionDevice resolve(String setting) {
        String s = setting == null ? "" : setting.trim().toLowerCase();
        if (s.equals("cpu")) {
            return CPU;
        }
        if (s.equals("auto")) {
            try {
                probeCuda(0);
                return new ExecutionDevice(true, 0);
            } catch (OrtException | RuntimeException e) {
                LOG.infof("device auto: CUDA is not usable here (%s); serving on CPU", firstLine(e));
                return CPU;
            }
        }
        if (s.equals("cuda") || s.matches("cuda:\\d{1,3}")) {
            int n = s.equals("cuda") ? 0 : Integer.parseInt(s.substring(5));
            try {
                probeCuda(n);
                return new ExecutionDevice(true, n);
            } catch (OrtException | RuntimeException e) {
                throw new IllegalStateException("scratchgpt.sampler.device=" + setting + " asks for CUDA device " + n
                        + " but ONNX Runtime cannot use it (" + firstLine(e) + "); build with -Pgpu on a machine"
                        + " with CUDA and cuDNN, or set scratchgpt.sampler.device=auto or cpu", e);
            }
        }
        throw new IllegalArgumentException("scratchgpt.sampler.device must be auto, cpu, cuda or cuda:N (N a device"
                + " number), not '" + setting + "'");
    }

    /** Adds this device's provider to session options (CPU needs nothing). */
    public void apply(OrtSession.SessionOptions options) throws OrtException {
        if (cuda) {
            options.addCUDA(index);
        }
    }

    @Override
    public String toString() {
        return cuda ? "cuda:" + index : "cpu";
    }

    private static void probeCuda(int n) throws OrtException {
        // The environment registers ORT's default logger. Without it the GPU build's addCUDA fails
        // on "Attempt to use DefaultLogger but none has been registered" before it even tries to
        // load CUDA, so the probe would say nothing about the machine.
        OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.addCUDA(n);
        }
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
