package dev.scratchgpt.calls;

import io.grpc.Status;

/**
 * Keeps status descriptions within what HTTP/2 trailers carry. Descriptions name the value a
 * caller sent; when that value is huge (a 4 MB "job id") the sentence would exceed the
 * client's header limit (8 KiB by default in grpc-java) and the caller would see an
 * unexplained INTERNAL instead. The start (field and value) and the end (what is allowed) are
 * kept.
 */
public final class StatusDescriptions {

    public static final int MAX_CHARS = 1024;
    private static final int HEAD = 600;
    private static final int TAIL = 300;

    private StatusDescriptions() {
    }

    public static Status shortened(Status status) {
        String description = status.getDescription();
        if (description == null || description.length() <= MAX_CHARS) {
            return status;
        }
        int left = description.length() - HEAD - TAIL;
        return status.withDescription(description.substring(0, HEAD) + " [... " + left + " characters left out ...] "
                + description.substring(description.length() - TAIL));
    }
}
