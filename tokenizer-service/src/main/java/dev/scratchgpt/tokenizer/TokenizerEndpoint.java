package dev.scratchgpt.tokenizer;

import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import io.quarkus.grpc.GrpcService;

/** The Tokenizer gRPC service. Methods not built yet answer UNIMPLEMENTED. */
@GrpcService
public class TokenizerEndpoint extends TokenizerGrpc.TokenizerImplBase {
}
