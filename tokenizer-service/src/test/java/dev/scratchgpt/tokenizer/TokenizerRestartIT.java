package dev.scratchgpt.tokenizer;

import dev.scratchgpt.testing.ServiceProcess;
import dev.scratchgpt.tokenizer.v1.CreateVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.EncodeRequest;
import dev.scratchgpt.tokenizer.v1.GetVocabularyRequest;
import dev.scratchgpt.tokenizer.v1.ListVocabulariesRequest;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import dev.scratchgpt.tokenizer.v1.Vocabulary;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged tokenizer, killed and started again on the same data directory. */
class TokenizerRestartIT {

    @TempDir
    Path data;

    @Test
    void vocabulariesSurviveAKill() throws Exception {
        Vocabulary created;
        List<Integer> ids;
        try (ServiceProcess first = ServiceProcess.start("tokenizer-service", data, ServiceProcess.freePort(), Map.of())) {
            ManagedChannel channel = first.channel();
            TokenizerGrpc.TokenizerBlockingStub tokenizer = stub(channel);
            created = tokenizer.createVocabulary(CreateVocabularyRequest.newBuilder()
                    .setText("restart 😀 世界").setAddUnk(true).build());
            ids = tokenizer.encode(EncodeRequest.newBuilder().setVocabularyId(created.getVocabularyId())
                    .setText("世界 😀 ?").build()).getIdsList();
            channel.shutdownNow();
            first.kill();
        }
        assertTrue(Files.isRegularFile(data.resolve("vocabularies").resolve(created.getVocabularyId() + ".vocab")));

        try (ServiceProcess second = ServiceProcess.start("tokenizer-service", data, ServiceProcess.freePort(), Map.of())) {
            ManagedChannel channel = second.channel();
            TokenizerGrpc.TokenizerBlockingStub tokenizer = stub(channel);

            Vocabulary reloaded = tokenizer.getVocabulary(GetVocabularyRequest.newBuilder()
                    .setVocabularyId(created.getVocabularyId()).build());
            Vocabulary again = tokenizer.createVocabulary(CreateVocabularyRequest.newBuilder()
                    .setText("界世 trates 😀").setAddUnk(true).build());

            assertEquals(created, reloaded, "same tokens, unk, corpus size and creation time");
            assertEquals(created, again, "creating it again returns the stored one");
            assertEquals(ids, tokenizer.encode(EncodeRequest.newBuilder().setVocabularyId(created.getVocabularyId())
                    .setText("世界 😀 ?").build()).getIdsList());
            assertEquals(List.of(created.getVocabularyId()), tokenizer.listVocabularies(
                    ListVocabulariesRequest.getDefaultInstance()).getVocabulariesList().stream()
                    .map(Vocabulary::getVocabularyId).toList());
            channel.shutdownNow();
        }
    }

    private static TokenizerGrpc.TokenizerBlockingStub stub(ManagedChannel channel) {
        return TokenizerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }
}
