package dev.scratchgpt.sampler.models;

import dev.scratchgpt.sampler.runtime.GraphSpec;

import java.time.Instant;

/** The parts of a version's manifest.json that the sampler serves by and reports. */
public record VersionManifest(String modelType, String vocabularyId, int vocabSize, int blockSize,
                              int nLayer, int nHead, int nEmbd, long numParameters, int trainSteps,
                              float trainLoss, float valLoss, String sha256, Instant createdAt,
                              GraphSpec graph) {
}
