package io.attn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.internal.Json;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code attn4j bench} end to end on a tiny selection: one cheap workload and the machine limits,
 * one 100 ms iteration each, in real forks; the report files must exist and parse.
 */
class BenchCommandTest {

    /**
     * JMH refuses to start while another JMH run holds its machine-wide lock file, which protects
     * timings, not results; this test checks files, so a benchmark running beside the build (or
     * another test JVM) must not fail it.
     */
    @BeforeAll
    static void ignoreJmhLock() {
        System.setProperty("jmh.ignoreLock", "true");
    }

    @Test
    void writesParsableJsonMarkdownAndCharts(@TempDir Path out) throws IOException {
        StringWriter console = new StringWriter(), err = new StringWriter();
        CommandLine cmd = new CommandLine(new BenchCommand());
        cmd.setOut(new PrintWriter(console, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute("--quick", "--filter", "DotBench\\.dot_(attn4j|scalar)$", "--iterations", "1",
                "--iteration-time", "100", "--out", out.toString());
        assertEquals(0, code, console + "\n" + err);

        // the progress: one line per benchmark, counting up to the total (2 limits + 2 dots)
        for (int i = 1; i <= 4; i++) {
            String prefix = "[" + i + "/4] ";
            assertTrue(console.toString().lines().anyMatch(l -> l.startsWith(prefix) && l.contains("elapsed, about")),
                    prefix + " in\n" + console);
        }

        List<?> json = (List<?>) Json.parse(Files.readString(out.resolve("jmh.json")));
        assertEquals(4, json.size(), "results in jmh.json");
        for (Object entry : json) {
            Map<?, ?> result = (Map<?, ?>) entry;
            String name = (String) result.get("benchmark");
            assertTrue(name.matches(".*\\.(limit_fma|limit_read|dot_attn4j|dot_scalar)"), name);
            double score = ((Number) ((Map<?, ?>) result.get("primaryMetric")).get("score")).doubleValue();
            assertTrue(score > 0, name + " score " + score);
        }

        List<String> md = Files.readAllLines(out.resolve("report.md"));
        int header = md.indexOf("| workload | implementation | score | unit | rate | of roofline | attn4j/peer |");
        assertTrue(header > 0, "no results header in\n" + String.join("\n", md));
        List<String> rows = md.subList(header + 2, md.size()).stream().takeWhile(l -> l.startsWith("|")).toList();
        assertEquals(json.size(), rows.size(), "one row per result:\n" + String.join("\n", rows));
        assertTrue(
                rows.stream().anyMatch(
                        r -> r.startsWith("| W8 dot, n = 1024 | scalar |") && r.matches(".*\\| [0-9.e+-]+ \\|$")),
                "the scalar dot's row has an attn4j/peer ratio:\n" + String.join("\n", rows));
        for (String section : new String[]{"## Environment", "## Machine limits", "## Workloads"}) {
            assertTrue(md.contains(section), section);
        }
        assertTrue(md.stream().anyMatch(l -> l.startsWith("| OpenBLAS | core ")),
                "the OpenBLAS core in the environment");

        List<Path> charts;
        try (Stream<Path> files = Files.list(out)) {
            charts = files.filter(f -> f.toString().endsWith(".png")).sorted().toList();
        }
        assertEquals(List.of(out.resolve("rates-dot.png"), out.resolve("roofline.png")), charts);
        for (Path chart : charts) {
            BufferedImage image = ImageIO.read(chart.toFile());
            assertNotNull(image, chart + " decodes");
            assertTrue(image.getWidth() > 100 && image.getHeight() > 100, chart + " size");
        }
        assertFalse(Files.readString(out.resolve("jmh.log")).isEmpty(), "JMH's log");
    }

    @Test
    void rejectsBadOptionsBeforeRunningAnything(@TempDir Path out) {
        for (String[] args : new String[][]{{"--quick", "--full"}, {"--threads", "0"}, {"--vector-bits", "384"},
                {"--filter", "("}}) {
            StringWriter err = new StringWriter();
            CommandLine cmd = new CommandLine(new BenchCommand());
            cmd.setOut(new PrintWriter(new StringWriter(), true));
            cmd.setErr(new PrintWriter(err, true));
            String[] full = Stream.concat(Stream.of("--out", out.toString()), Stream.of(args))
                    .toArray(String[]::new);
            assertEquals(2, cmd.execute(full), String.join(" ", args));
            assertTrue(
                    err.toString().contains(args[0]) || err.toString().contains("thread")
                            || err.toString().contains("width"),
                    String.join(" ", args) + ": " + err);
        }
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(0, files.count(), "nothing written");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void helpPrintsTheUsageAndSucceeds() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cmd = new CommandLine(new BenchCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        assertEquals(0, cmd.execute("--help"), err.toString());
        assertTrue(out.toString().startsWith("Usage: bench "), out.toString());
        assertTrue(out.toString().contains("--filter=REGEX"), out.toString());
        assertEquals("", err.toString());
    }
}
