package dev.scratchgpt.cli.docs;

import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.scratchgpt.sampler.v1.SamplerProto;
import dev.scratchgpt.tokenizer.v1.TokenizerProto;
import dev.scratchgpt.trainer.v1.TrainerProto;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * grpcurl is not installable on the build machines, so the documented grpcurl calls cannot be
 * run here. What can be checked is what grpcurl itself checks first: the method exists and the
 * JSON body parses as its request message (proto3 JSON mapping, as grpcurl applies it; unknown
 * fields and enum names are errors). A renamed field or method breaks this test.
 */
class GrpcurlExamplesTest {

    private static final Pattern METHOD = Pattern.compile("(scratchgpt\\.[a-z]+\\.v1\\.[A-Za-z]+)/([A-Za-z]+)");
    private static final Pattern BODY = Pattern.compile("-d '([^']*)'", Pattern.DOTALL);

    @Test
    void everyDocumentedCallNamesARealMethodWithAValidBody() throws IOException {
        Map<String, ServiceDescriptor> services = new HashMap<>();
        for (FileDescriptor f : List.of(TokenizerProto.getDescriptor(), TrainerProto.getDescriptor(),
                SamplerProto.getDescriptor())) {
            f.getServices().forEach(s -> services.put(s.getFullName(), s));
        }
        Path root = Path.of("..").toAbsolutePath().normalize();
        int checked = 0;
        for (Path doc : List.of(root.resolve("README.md"), root.resolve("docs/security.md"))) {
            for (String call : grpcurlCalls(Files.readString(doc))) {
                Matcher m = METHOD.matcher(call);
                if (!m.find()) {
                    continue; // list, describe, health: no scratchgpt method
                }
                ServiceDescriptor service = services.get(m.group(1));
                if (service == null) {
                    fail(doc.getFileName() + ": unknown service " + m.group(1) + " in: " + call);
                }
                MethodDescriptor method = service.findMethodByName(m.group(2));
                if (method == null) {
                    fail(doc.getFileName() + ": " + m.group(1) + " has no method " + m.group(2) + " in: " + call);
                }
                Matcher body = BODY.matcher(call);
                if (body.find()) {
                    DynamicMessage.Builder request = DynamicMessage.newBuilder(method.getInputType());
                    try {
                        JsonFormat.parser().merge(body.group(1), request);
                    } catch (InvalidProtocolBufferException e) {
                        fail(doc.getFileName() + ": the body is not a valid " + method.getInputType().getFullName()
                                + " (" + e.getMessage() + ") in: " + call);
                    }
                }
                checked++;
            }
        }
        assertTrue(checked >= 20, "expected the README's grpcurl calls, found " + checked);
    }

    @Test
    void aMisspelledFieldIsCaught() {
        DynamicMessage.Builder request = DynamicMessage.newBuilder(
                TokenizerProto.getDescriptor().findMessageTypeByName("EncodeRequest"));
        InvalidProtocolBufferException e = org.junit.jupiter.api.Assertions.assertThrows(
                InvalidProtocolBufferException.class,
                () -> JsonFormat.parser().merge("{\"vocab_id\": \"x\"}", request));
        assertTrue(e.getMessage().contains("vocab_id"), e.getMessage());
    }

    @Test
    void callsSpanningLinesAreJoinedAndCommentsAndProseSkipped() {
        String md = "grpcurl in prose is not a call\n```bash\n# grpcurl in a comment\n"
                + "grpcurl -d '{\"a\": 1,\n  \"b\": 2}' \\\n  host x.v1.S/M\ngrpcurl host list\n```\n";
        assertEquals(List.of("grpcurl -d '{\"a\": 1,\n  \"b\": 2}' \\\n  host x.v1.S/M", "grpcurl host list"),
                grpcurlCalls(md));
    }

    /** Whole grpcurl commands from the shell code blocks: continuation lines and quoted newlines joined. */
    static List<String> grpcurlCalls(String markdown) {
        List<String> calls = new ArrayList<>();
        boolean inCode = false;
        StringBuilder current = null;
        for (String line : markdown.split("\n", -1)) {
            if (line.startsWith("```")) {
                inCode = !inCode;
                current = null;
                continue;
            }
            if (!inCode) {
                continue;
            }
            if (current == null) {
                int at = line.indexOf("grpcurl ");
                if (at < 0 || line.trim().startsWith("#")) {
                    continue;
                }
                current = new StringBuilder(line.substring(at));
            } else {
                current.append('\n').append(line);
            }
            String text = current.toString();
            boolean openQuote = text.chars().filter(c -> c == '\'').count() % 2 == 1;
            if (!openQuote && !text.stripTrailing().endsWith("\\")) {
                calls.add(text);
                current = null;
            }
        }
        return calls;
    }
}
