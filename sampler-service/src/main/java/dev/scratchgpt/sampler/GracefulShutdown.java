package dev.scratchgpt.sampler;

import org.jboss.logging.Logger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGTERM (and SIGINT) lets the generations in flight finish before the JVM shuts down: health
 * turns NOT_SERVING and new generations get UNAVAILABLE while the running ones go on for up to
 * the grace period; the rest then end with UNAVAILABLE and a sentence. Only after that does the
 * JVM's own handling run (shutdown hooks, exit status 143).
 *
 * <p>Why a signal handler and not a Quarkus ShutdownEvent observer: by the time that event fires
 * the JVM has started its shutdown hooks, which run at once and in no order. The HTTP server
 * sends GOAWAY (streams in flight are reset), and ONNX Runtime's own hook closes its environment
 * under sessions that are still running, which crashed the JVM (SIGSEGV in libonnxruntime).
 */
final class GracefulShutdown {

    private static final Logger LOG = Logger.getLogger(GracefulShutdown.class);
    /** After the grace period, how long cut-off generations get to stop (they stop within one step). */
    private static final Duration SETTLE = Duration.ofSeconds(5);

    private final GenerationSlots slots;
    private final Duration grace;
    private final Runnable notServing;
    private final AtomicBoolean started = new AtomicBoolean();

    /** @param notServing turns gRPC health to NOT_SERVING, so that load balancers stop sending calls */
    GracefulShutdown(GenerationSlots slots, Duration grace, Runnable notServing) {
        this.slots = slots;
        this.grace = grace;
        this.notServing = notServing;
    }

    /** Takes over SIGTERM and SIGINT; the JVM's handling of each runs after the drain. */
    void install() {
        for (String name : new String[]{"TERM", "INT"}) {
            Signal signal = new Signal(name);
            SignalHandler[] previous = new SignalHandler[1];
            previous[0] = Signal.handle(signal, s -> {
                drain(grace, "SIG" + name);
                hand(previous[0], s);
            });
        }
    }

    /**
     * Refuses new generations and waits up to {@code grace} for those in flight, then cuts off
     * the rest. Runs once; a second signal during the drain is ignored (SIGKILL stops at once).
     */
    void drain(Duration grace, String reason) {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        notServing.run();
        int running = slots.running();
        LOG.infof("%s: draining, new generations are refused; %d in flight may run for up to %s"
                + " (scratchgpt.sampler.shutdown-grace)", reason, running, grace);
        try {
            int cut = slots.drain(grace, SETTLE);
            if (cut > 0) {
                LOG.warnf("shutdown grace period over: %d generation(s) ended with UNAVAILABLE", cut);
                // Their last status is written on the event loop: let it reach the wire before the server closes.
                Thread.sleep(200);
            } else if (running > 0) {
                LOG.infof("every generation in flight finished; shutting down");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void hand(SignalHandler previous, Signal signal) {
        try {
            previous.handle(signal);
        } catch (UnsupportedOperationException nativeDefault) { // SIG_DFL / SIG_IGN cannot be called from Java
            System.exit(128 + signal.getNumber());
        }
    }
}
