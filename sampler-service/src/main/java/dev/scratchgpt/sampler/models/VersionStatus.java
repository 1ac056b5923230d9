package dev.scratchgpt.sampler.models;

/** A snapshot of one version for ListModels/LoadModel/UnloadModel. {@code manifest} is null when it could not be read. */
public record VersionStatus(String model, int version, ModelState state, String error, VersionManifest manifest,
                            String device) {
}
