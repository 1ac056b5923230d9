package dev.scratchgpt.auth;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BearerAuthenticationTest {

    private static final String TOKENIZER = "scratchgpt.tokenizer.v1.Tokenizer";
    private static final String REFLECTION = "grpc.reflection.v1.ServerReflection";
    private static final String REFLECTION_ALPHA = "grpc.reflection.v1alpha.ServerReflection";

    private final BearerAuthentication open = rules(false, false);

    @Test
    void everythingPassesWhenNoTokenIsConfigured() {
        BearerAuthentication off = new BearerAuthentication(new AcceptedTokens(List.of(), null), true, true);
        assertTrue(off.check(TOKENIZER, null).isOk());
        assertTrue(off.check(TOKENIZER, "Bearer whatever").isOk());
        assertTrue(off.check(BearerAuthentication.HEALTH_SERVICE, null).isOk());
    }

    @Test
    void aValidTokenPasses() {
        assertTrue(open.check(TOKENIZER, "Bearer s3cret").isOk());
        assertTrue(open.check(TOKENIZER, "bearer s3cret").isOk(), "the scheme is case-insensitive");
        assertTrue(open.check(TOKENIZER, "Bearer other").isOk());
    }

    @Test
    void aMissingTokenIsUnauthenticatedWithASentence() {
        for (String header : new String[] {null, "", "   "}) {
            Status s = open.check(TOKENIZER, header);
            assertEquals(Status.Code.UNAUTHENTICATED, s.getCode());
            assertEquals("This service requires a bearer token: send the header 'authorization: Bearer <token>'.",
                    s.getDescription());
        }
    }

    @Test
    void anInvalidTokenIsUnauthenticatedAndNotEchoed() {
        Status s = open.check(TOKENIZER, "Bearer s3cret-guess");
        assertEquals(Status.Code.UNAUTHENTICATED, s.getCode());
        assertFalse(s.getDescription().contains("s3cret-guess"), s.getDescription());
        assertTrue(s.getDescription().contains("not one this service accepts"), s.getDescription());
    }

    @Test
    void anotherSchemeOrAnEmptyBearerIsUnauthenticated() {
        for (String header : new String[] {"s3cret", "Basic czNjcmV0", "Bearer ", "Bearer    ", "Bearers3cret"}) {
            Status s = open.check(TOKENIZER, header);
            assertEquals(Status.Code.UNAUTHENTICATED, s.getCode(), header);
            assertEquals("The authorization header must have the form 'Bearer <token>'.", s.getDescription(), header);
        }
    }

    @Test
    void healthAndReflectionAreOpenByDefault() {
        assertTrue(open.check(BearerAuthentication.HEALTH_SERVICE, null).isOk());
        assertTrue(open.check(REFLECTION, null).isOk());
        assertTrue(open.check(REFLECTION_ALPHA, "Bearer wrong").isOk());
    }

    @Test
    void healthAndReflectionAreProtectedSeparately() {
        BearerAuthentication health = rules(true, false);
        assertEquals(Status.Code.UNAUTHENTICATED, health.check(BearerAuthentication.HEALTH_SERVICE, null).getCode());
        assertTrue(health.check(BearerAuthentication.HEALTH_SERVICE, "Bearer s3cret").isOk());
        assertTrue(health.check(REFLECTION, null).isOk());

        BearerAuthentication reflection = rules(false, true);
        assertTrue(reflection.check(BearerAuthentication.HEALTH_SERVICE, null).isOk());
        assertEquals(Status.Code.UNAUTHENTICATED, reflection.check(REFLECTION, null).getCode());
        assertEquals(Status.Code.UNAUTHENTICATED, reflection.check(REFLECTION_ALPHA, "Bearer wrong").getCode());
        assertTrue(reflection.check(REFLECTION_ALPHA, "Bearer s3cret").isOk());
    }

    @Test
    void exemptionsAreByExactServiceName() {
        assertEquals(Status.Code.UNAUTHENTICATED, open.check("grpc.health.v1.HealthX", null).getCode());
        assertEquals(Status.Code.UNAUTHENTICATED, open.check("evil.grpc.health.v1.Health", null).getCode());
    }

    private static BearerAuthentication rules(boolean protectHealth, boolean protectReflection) {
        return new BearerAuthentication(new AcceptedTokens(List.of("s3cret", "other"), null), protectHealth, protectReflection);
    }
}
