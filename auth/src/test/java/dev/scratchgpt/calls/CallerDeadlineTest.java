package dev.scratchgpt.calls;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class CallerDeadlineTest {

    @Test
    void readsTheGrpcTimeoutHeader() {
        assertEquals(TimeUnit.MILLISECONDS.toNanos(1999), CallerDeadline.parse("1999m"));
        assertEquals(TimeUnit.SECONDS.toNanos(30), CallerDeadline.parse("30S"));
        assertEquals(TimeUnit.HOURS.toNanos(2), CallerDeadline.parse("2H"));
        assertEquals(5_000L, CallerDeadline.parse("5000n"));
        assertEquals(TimeUnit.MICROSECONDS.toNanos(99999999), CallerDeadline.parse("99999999u"));
    }

    @Test
    void ignoresWhatIsNotATimeout() {
        assertNull(CallerDeadline.parse(null));
        assertNull(CallerDeadline.parse("S"));
        assertNull(CallerDeadline.parse("10x"));
        assertNull(CallerDeadline.parse("abcS"));
        assertNull(CallerDeadline.parse("123456789S")); // more than 8 digits
        assertNull(CallerDeadline.parse("-5S"));
    }
}
