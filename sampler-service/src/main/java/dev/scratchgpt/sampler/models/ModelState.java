package dev.scratchgpt.sampler.models;

/** A version's state in the registry (the contract's ModelState). */
public enum ModelState {
    /** Complete in the store, not in memory. */
    AVAILABLE,
    LOADING,
    /** In memory and serving. */
    READY,
    /** Refused; the error says why. Stays refused until the store's copy changes (a new version). */
    FAILED
}
