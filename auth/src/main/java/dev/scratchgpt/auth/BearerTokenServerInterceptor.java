package dev.scratchgpt.auth;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Rejects every call the {@link BearerAuthentication} rules refuse, before any service code runs. */
@GlobalInterceptor
@ApplicationScoped
public class BearerTokenServerInterceptor implements ServerInterceptor {

    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Inject
    AuthConfiguration configuration;

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
            ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        Status status = configuration.authentication()
                .check(call.getMethodDescriptor().getServiceName(), headers.get(AUTHORIZATION));
        if (status.isOk()) {
            return next.startCall(call, headers);
        }
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
