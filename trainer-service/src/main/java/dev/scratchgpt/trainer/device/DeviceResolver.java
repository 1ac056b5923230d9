package dev.scratchgpt.trainer.device;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.scratchgpt.trainer.TrainerError;
import org.jboss.logging.Logger;

import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that turns a job's {@code device} ("auto", "cpu", "cuda", "cuda:N") into a DJL
 * device. DJL does not fall back by itself (a GPU manager on a GPU-less machine fails on its
 * first array), so the choice is made here, from the engine's GPU count.
 */
public final class DeviceResolver {

    private static final Logger LOG = Logger.getLogger(DeviceResolver.class);
    private static final Pattern CUDA = Pattern.compile("cuda(?::(\\d{1,4}))?");

    private final IntSupplier gpuCount;

    public DeviceResolver() {
        this(() -> Engine.getInstance().getGpuCount());
    }

    /** With a given GPU count (tests name the machine they pretend to be). */
    public DeviceResolver(IntSupplier gpuCount) {
        this.gpuCount = gpuCount;
    }

    /**
     * @throws TrainerError INVALID_ARGUMENT for an unknown name, FAILED_PRECONDITION for a GPU
     *                      that this machine does not have
     */
    public Device resolve(String requested) {
        String name = requested == null || requested.isBlank() ? "auto" : requested.trim().toLowerCase();
        int gpus = gpuCount.getAsInt();
        if (name.equals("auto")) {
            Device d = gpus > 0 ? Device.gpu(0) : Device.cpu();
            LOG.infof("device auto -> %s (%d GPU(s) visible to the engine)", key(d), gpus);
            return d;
        }
        if (name.equals("cpu")) {
            return Device.cpu();
        }
        Matcher m = CUDA.matcher(name);
        if (!m.matches()) {
            throw TrainerError.invalid("device '" + requested + "' is not one of auto, cpu, cuda, cuda:N");
        }
        int index = m.group(1) == null ? 0 : Integer.parseInt(m.group(1));
        if (index >= gpus) {
            throw TrainerError.precondition("device '" + requested + "' asks for a GPU but the engine sees "
                    + (gpus == 0 ? "none on this machine" : "only " + gpus + " (cuda:0..cuda:" + (gpus - 1) + ")")
                    + "; use device 'cpu' or 'auto'");
        }
        return Device.gpu(index);
    }

    /** "cpu" or "cuda:N": the job's device field and the key of its queue. */
    public static String key(Device device) {
        return device.isGpu() ? "cuda:" + device.getDeviceId() : "cpu";
    }
}
