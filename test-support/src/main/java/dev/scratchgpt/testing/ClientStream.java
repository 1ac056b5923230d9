package dev.scratchgpt.testing;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One client-streaming or bidi call as the bad-input tests make it: send some messages, then
 * half-close or (to play a client that went silent) not, and wait for the status the server
 * ends the call with.
 */
public final class ClientStream {

    /** How the call ended: the status (OK when the server completed it) and what it answered. */
    public record Outcome<R>(Status status, List<R> responses) {
    }

    private ClientStream() {
    }

    /**
     * @param start      e.g. {@code stub::uploadCorpus}
     * @param messages   sent in order
     * @param halfClose  false: go silent after the messages, leaving the stream open
     * @param wait       how long to wait for the server to end the call
     * @throws AssertionError when the server does not end the call within {@code wait}
     */
    public static <Q, R> Outcome<R> call(Function<StreamObserver<R>, StreamObserver<Q>> start, Iterable<Q> messages,
                                         boolean halfClose, Duration wait) {
        CompletableFuture<Status> end = new CompletableFuture<>();
        List<R> responses = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<ClientCallStreamObserver<Q>> call = new CompletableFuture<>();
        StreamObserver<Q> requests = start.apply(new ClientResponseObserver<Q, R>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
                call.complete(requestStream);
            }

            @Override
            public void onNext(R value) {
                responses.add(value);
            }

            @Override
            public void onError(Throwable t) {
                end.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                end.complete(Status.OK);
            }
        });
        for (Q message : messages) {
            if (end.isDone()) {
                break; // the server has answered already (e.g. refused an earlier message)
            }
            requests.onNext(message);
        }
        if (halfClose && !end.isDone()) {
            requests.onCompleted();
        }
        try {
            return new Outcome<>(end.get(wait.toMillis(), TimeUnit.MILLISECONDS), List.copyOf(responses));
        } catch (java.util.concurrent.TimeoutException e) {
            call.join().cancel("the test stopped waiting", null);
            throw new AssertionError("the server did not end the call within " + wait);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
