package dev.scratchgpt.trainer;

import dev.scratchgpt.trainer.v1.TrainerGrpc;
import io.quarkus.grpc.GrpcService;

/** The Trainer gRPC service. Methods not built yet answer UNIMPLEMENTED. */
@GrpcService
public class TrainerEndpoint extends TrainerGrpc.TrainerImplBase {
}
