package dev.scratchgpt.calls;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The idle timer of one client stream. It runs only while the server waits for a message it
 * has asked for (flow control: a server that is still busy with the last message, or that holds
 * back demand, is not waiting on the client). When it expires the call ends with
 * DEADLINE_EXCEEDED and a sentence, and the service sees a cancellation, so it drops what the
 * stream held (temporary files, partial vocabularies).
 *
 * <p>The server sees a message only once all of it has arrived, so the time a large message takes
 * to transfer counts as waiting: the timeout must exceed that (a 4 MiB message took 3.4 s to
 * arrive on a 2-core machine at load 19).
 */
final class IdleStream {

    private static final Logger LOG = Logger.getLogger(IdleStream.class);

    private final String method;
    private final Duration timeout;
    private final ScheduledExecutorService timers;
    private ServerCall<?, ?> call;
    private ServerCall.Listener<?> service;
    private long demand; // long: request(Integer.MAX_VALUE) more than once must not overflow
    private ScheduledFuture<?> timer;
    private boolean clientDone;
    /** Which arming of the timer is current: a timer that fires after being re-armed is stale. */
    private long generation;

    IdleStream(String method, Duration timeout, ScheduledExecutorService timers) {
        this.method = method;
        this.timeout = timeout;
        this.timers = timers;
    }

    <ReqT> ServerCall.Listener<ReqT> listen(ServerCall<ReqT, ?> limitedCall, ServerCall.Listener<ReqT> delegate) {
        synchronized (this) {
            this.call = limitedCall;
            this.service = delegate;
            rearm();
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            @Override
            public void onMessage(ReqT message) {
                synchronized (IdleStream.this) {
                    if (service == null) {
                        return;
                    }
                    demand--;
                    disarm();
                    rearm();
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (stopWaiting(true)) {
                    super.onHalfClose();
                }
            }

            @Override
            public void onCancel() {
                if (stopWaiting(true)) {
                    super.onCancel();
                }
            }

            @Override
            public void onComplete() {
                if (stopWaiting(true)) {
                    super.onComplete();
                }
            }

            @Override
            public void onReady() {
                if (stopWaiting(false)) {
                    super.onReady();
                }
            }
        };
    }

    /** The server asked for more messages: from now on it waits for the client. */
    synchronized void requested(int messages) {
        demand += messages;
        rearm();
    }

    /** The call ended (normally, with an error, or by the timer): nothing to wait for any more. */
    synchronized void ended() {
        disarm();
        clientDone = true;
    }

    /**
     * Stops the timer for good when the client is done ({@code last}); false when the timer
     * already ended the call, so that the transport's echo of that end is not delivered twice.
     */
    private synchronized boolean stopWaiting(boolean last) {
        if (last) {
            disarm();
            clientDone = true;
        }
        return service != null;
    }

    private void rearm() {
        if (timer == null && service != null && !clientDone && demand > 0) {
            long armed = ++generation;
            timer = timers.schedule(() -> expire(armed), timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expire(long armed) {
        ServerCall.Listener<?> cancelled;
        synchronized (this) {
            if (armed != generation || timer == null || clientDone || service == null) {
                return; // a message or the end arrived while this timer fired
            }
            timer = null;
            cancelled = service;
            service = null;
        }
        LOG.infof("%s: no message from the client for %s; ending the stream", method, seconds(timeout));
        call.close(Status.DEADLINE_EXCEEDED.withDescription("no message arrived on this " + method + " stream for "
                + seconds(timeout) + " (scratchgpt.grpc.stream-idle-timeout): the server ended it; send the next"
                + " message sooner, or half-close the stream when the input is complete"), new Metadata());
        cancelled.onCancel(); // the service drops what the stream held, as when a client cancels
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
