package io.attn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.cli.CliRun.Outcome;
import org.junit.jupiter.api.Test;

/** {@code --help} on every command, one-line usage errors, and how {@code bench} is found. */
class HelpAndUsageTest {

    @Test
    void helpSucceedsOnEveryCommandAndPrintsItsUsage() {
        for (String[] c : new String[][]{{"run", "--model=FILE"}, {"inspect", "FILE"}, {"info", "--help"},
                {"bench", "benchmarks jar"}}) {
            Outcome r = CliRun.run(c[0], "--help");
            assertEquals(0, r.code(), c[0] + " --help\n" + r.all());
            assertTrue(r.out().startsWith("Usage: attn4j " + c[0] + " "), r.all());
            assertTrue(r.out().contains(c[1]), c[0] + " --help mentions " + c[1] + "\n" + r.all());
            assertEquals("", r.err(), r.all());
        }
        Outcome top = CliRun.run("--help");
        assertEquals(0, top.code(), top.all());
        for (String command : new String[]{"info", "inspect", "run", "bench", "help"}) {
            assertTrue(top.out().lines().anyMatch(l -> l.trim().startsWith(command + " ")),
                    command + " in\n" + top.out());
        }
    }

    @Test
    void usageErrorsEndInOneLineAndStatusTwo() {
        String[][] cases = {
                {"run"}, // missing required options
                {"info", "--bogus"},
                {"run", "--model", "m", "--input", "x", "--padding", "sideways"},
                {"frobnicate"}};
        String[] mentions = {"Missing required options", "--bogus", "sideways", "frobnicate"};
        for (int i = 0; i < cases.length; i++) {
            Outcome r = CliRun.run(cases[i]);
            assertEquals(2, r.code(), String.join(" ", cases[i]) + "\n" + r.all());
            assertEquals(1, r.err().lines().count(), r.all());
            assertTrue(r.err().startsWith("attn4j") && r.err().contains(mentions[i]) && r.err().contains("--help"),
                    r.all());
            assertEquals("", r.out(), r.all());
        }
    }

    @Test
    void withoutTheBenchmarksBenchSaysHowToRunItInOneLine() {
        for (String[] args : new String[][]{{"bench"}, {"bench", "--quick", "--filter", "dot_"}}) {
            Outcome r = CliRun.run(args);
            assertEquals(1, r.code(), r.all());
            assertEquals(BenchMissing.MESSAGE + System.lineSeparator(), r.err(), r.all());
            assertEquals("", r.out());
        }
    }

    @Test
    void theBenchCommandIsFoundByNameOnTheClassPath() {
        Outcome r = CliRun.run(Main.commandLine(FakeBenchCommand.class.getName()), "bench", "--quick");
        assertEquals(0, r.code(), r.all());
        assertEquals("fake bench ran, quick=true", r.out().strip());
        Outcome missing = CliRun.run(Main.commandLine("io.attn4j.nowhere.BenchCommand"), "bench", "--quick");
        assertEquals(1, missing.code(), missing.all());
        assertFalse(missing.err().contains("\tat "), missing.all());
    }
}
