package dev.scratchgpt.auth;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Sends {@code authorization: Bearer <token>} on every call of every injected Quarkus gRPC
 * client (e.g. trainer and sampler calling the tokenizer) when a token is configured.
 */
@GlobalInterceptor
@ApplicationScoped
public class BearerTokenClientInterceptor implements ClientInterceptor {

    @Inject
    AuthConfiguration configuration;

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
            MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<RespT> listener, Metadata headers) {
                configuration.clientToken().ifPresent(token ->
                        headers.put(BearerTokenServerInterceptor.AUTHORIZATION, "Bearer " + token));
                super.start(listener, headers);
            }
        };
    }
}
