package dev.scratchgpt.calls;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

/**
 * A server call that can be ended from another thread (the idle timer) without racing the
 * service: writes after the end are dropped instead of failing, and a status description is
 * shortened to {@link StatusDescriptions#MAX_CHARS}.
 */
final class LimitedCall<ReqT, RespT> extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {

    private final IdleStream idle;
    private boolean closed;

    LimitedCall(ServerCall<ReqT, RespT> call, IdleStream idle) {
        super(call);
        this.idle = idle;
    }

    @Override
    public void request(int numMessages) {
        if (idle != null) {
            idle.requested(numMessages);
        }
        super.request(numMessages);
    }

    @Override
    public synchronized void sendMessage(RespT message) {
        if (!closed) {
            super.sendMessage(message);
        }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
        if (closed) {
            return;
        }
        closed = true;
        if (idle != null) {
            idle.ended();
        }
        super.close(StatusDescriptions.shortened(status), trailers);
    }
}
