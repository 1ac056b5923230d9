package dev.scratchgpt.trainer;

import io.grpc.Deadline;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CallerDeadlineTest {

    @Test
    void readsEveryUnitOfTheGrpcTimeoutHeader() {
        // upper bounds tell the units apart; lower ones are loose, the machine may pause
        assertRemaining(CallerDeadline.parse("3S"), 1_500, 3_000);
        assertRemaining(CallerDeadline.parse("2999m"), 1_500, 2_999);
        assertRemaining(CallerDeadline.parse("1M"), 30_000, 60_000);
        assertRemaining(CallerDeadline.parse("1H"), 1_800_000, 3_600_000);
        assertRemaining(CallerDeadline.parse("5000000u"), 2_500, 5_000);
        assertRemaining(CallerDeadline.parse("99999999n"), 0, 100);
    }

    @Test
    void ignoresWhatIsNotATimeout() {
        assertNull(CallerDeadline.parse(null));
        assertNull(CallerDeadline.parse("S"));
        assertNull(CallerDeadline.parse("10"));
        assertNull(CallerDeadline.parse("10x"));
        assertNull(CallerDeadline.parse("-5S"));
        assertNull(CallerDeadline.parse("123456789S")); // more than 8 digits
    }

    private static void assertRemaining(Deadline d, long minMillis, long maxMillis) {
        long left = d.timeRemaining(TimeUnit.MILLISECONDS);
        assertTrue(left >= minMillis && left <= maxMillis, left + " ms left, expected " + minMillis + ".." + maxMillis);
    }
}
