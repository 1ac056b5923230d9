package dev.scratchgpt.cli;

/** Whether a person is watching: then progress redraws one line in place. */
final class Terminal {

    private Terminal() {
    }

    static boolean isInteractive() {
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }
}
