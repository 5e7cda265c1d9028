package io.attn4j.examples.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.io.Npy;
import io.attn4j.engine.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The serving example runs as the README says: the example's predictions are PyTorch's (within the
 * golden rule, 1e-5), every request gets an answer (how many are shed or late depends on the
 * machine's load, so only the total is checked; the same for the request submitted without
 * blocking), the bad ones fail alone, nothing fails inside a
 * batch; and the README shows the example's code as it is.
 */
class ClassifierServiceTest {
    private static final Path MODULE = Path.of(System.getProperty("user.dir"));
    private static final Path EXAMPLE = MODULE.resolve("../classifier").normalize();

    @Test
    void servesTheExampleAndATrafficBurst() throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        int requests = 1000;
        ClassifierService.Summary s = ClassifierService.run(EXAMPLE, requests,
                new PrintStream(text, true, StandardCharsets.UTF_8));
        try (Arena arena = Arena.ofConfined()) {
            Tensor expected = Npy.read(EXAMPLE.resolve("expected.npy"), arena);
            for (int b = 0; b < expected.dim(0); b++) {
                assertEquals(expected.get(b, 0), s.examplePredictions()[b], 1e-5, "example " + b);
            }
        }
        assertEquals(requests, s.ok() + s.badRequest() + s.overloaded() + s.timedOut(), text.toString());
        assertEquals(requests / 50, s.badRequest(), "one request in 50 holds a NaN");
        // a good request, answered or (under the burst) shed or late, never failed
        assertTrue(List.of(200, 503, 504).contains(s.submittedStatus()), "status " + s.submittedStatus());
        assertEquals(0, s.metrics().failed());
        assertEquals(1, s.metrics().swaps());
        assertTrue(text.toString().contains("the example's predictions: "), text.toString());
    }

    @Test
    void theReadmeShowsThisCode() throws IOException {
        String readme = Files.readString(MODULE.resolve("../../README.md").normalize());
        List<String> source = Files
                .readAllLines(MODULE.resolve("src/main/java/io/attn4j/examples/serving/ClassifierService.java"));
        int section = readme.indexOf("## Serving");
        assertTrue(section >= 0, "README has no 'Serving' section");
        int first = readme.indexOf("```java\n", section) + 8;
        int second = readme.indexOf("```java\n", readme.indexOf("```", first)) + 8;
        assertEquals(region(source, "// README begin", "// README end"), block(readme, first));
        assertEquals(region(source, "// README begin handler", "// README end handler"), block(readme, second));
    }

    private static String block(String readme, int start) {
        return readme.substring(start, readme.indexOf("```", start)).stripTrailing();
    }

    /** The lines between two marker comments, without their common indentation. */
    private static String region(List<String> source, String begin, String end) {
        int from = -1, to = -1;
        for (int i = 0; i < source.size(); i++) {
            if (source.get(i).strip().equals(begin)) {
                from = i + 1;
            } else if (source.get(i).strip().equals(end)) {
                to = i;
            }
        }
        List<String> lines = source.subList(from, to);
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        return String.join("\n", lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList());
    }
}
