package dev.scratchgpt.k8s;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The auth overlay mounts the token Secret read-only into every service and points the auth
 * module (scratchgpt.auth.tokens-file) at it; the default overlays stay without auth.
 */
class AuthOverlayTest {

    static final String SECRET = "scratchgpt-auth";
    static final String DIR = "/etc/scratchgpt/auth";

    @Test
    void everyServiceReadsItsTokensFromTheSecretMountedReadOnlyAsAWholeDirectory() {
        Rendered r = Rendered.overlay("auth");
        assertEquals(OverlayTest.SERVICES.keySet().size(), r.all(Deployment.class).size());
        for (Deployment d : r.all(Deployment.class)) {
            String name = d.getMetadata().getName();
            Container c = Rendered.container(d);
            assertEquals(DIR + "/tokens", OverlayTest.env(c, "SCRATCHGPT_AUTH_TOKENS_FILE"), name + " tokens file");

            List<VolumeMount> mounts = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(DIR)).toList();
            assertEquals(1, mounts.size(), name + " mounts " + DIR + " once");
            VolumeMount mount = mounts.get(0);
            assertEquals(Boolean.TRUE, mount.getReadOnly(), name + " mounts the tokens read-only");
            // A subPath mount is never updated by the kubelet: rotation would not reach the pod.
            assertNull(mount.getSubPath(), name + " mounts the whole Secret, not a subPath");

            Volume volume = Rendered.pod(d).getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
                    .findFirst().orElseThrow(() -> new AssertionError(name + ": no volume " + mount.getName()));
            assertEquals(SECRET, volume.getSecret().getSecretName(), name + " volume source");
            int mode = volume.getSecret().getDefaultMode();
            assertEquals(0, mode & 0222, name + ": nobody may write the tokens (mode " + Integer.toOctalString(mode) + ")");
            assertEquals(0, mode & 0007, name + ": others may not read the tokens (mode " + Integer.toOctalString(mode) + ")");
            assertTrue((mode & 0040) != 0, name + ": the pod's fsGroup must read the tokens (mode " + Integer.toOctalString(mode) + ")");
            assertTrue(Rendered.pod(d).getSecurityContext().getFsGroup() != null, name + " sets the fsGroup that owns the file");
        }
    }

    @Test
    void theSecretIsAPlaceholderThatAcceptsNoToken() {
        Secret secret = Rendered.overlay("auth").named(Secret.class, SECRET)
                .orElseThrow(() -> new AssertionError("no Secret " + SECRET));
        assertEquals("scratchgpt", secret.getMetadata().getNamespace());
        String tokens = secret.getStringData().get("tokens");
        // The auth module ignores blank lines and # comments: a placeholder of only those fails closed.
        assertTrue(tokens.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#")),
                "the placeholder must not contain a usable token: " + tokens);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void theDefaultOverlaysStayWithoutAuth(String overlay) {
        Rendered r = Rendered.overlay(overlay);
        assertTrue(r.named(Secret.class, SECRET).isEmpty(), overlay + " renders no token Secret");
        for (Deployment d : r.all(Deployment.class)) {
            Container c = Rendered.container(d);
            assertNull(OverlayTest.env(c, "SCRATCHGPT_AUTH_TOKENS_FILE"), d.getMetadata().getName());
            assertFalse(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals(DIR)), d.getMetadata().getName());
        }
    }
}
