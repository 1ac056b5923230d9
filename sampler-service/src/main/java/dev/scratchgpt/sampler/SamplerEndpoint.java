package dev.scratchgpt.sampler;

import dev.scratchgpt.sampler.v1.SamplerGrpc;
import io.quarkus.grpc.GrpcService;

/** The Sampler gRPC service. Methods not built yet answer UNIMPLEMENTED. */
@GrpcService
public class SamplerEndpoint extends SamplerGrpc.SamplerImplBase {
}
