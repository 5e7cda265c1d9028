package io.attn4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import picocli.CommandLine;

/** The attn4j command run in-process, as {@code main} builds it, with its output captured. */
final class CliRun {
    /** The example the README's first command runs (tests run in cli/). */
    static final Path EXAMPLE = Path.of("..", "examples", "classifier");
    static final Path MODEL = EXAMPLE.resolve("model.safetensors");
    static final Path INPUTS = EXAMPLE.resolve("inputs.npy");
    static final Path LENGTHS = EXAMPLE.resolve("lengths.npy");

    record Outcome(int code, String out, String err) {
        /** For assertion messages. */
        String all() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private CliRun() {
    }

    static Outcome run(String... args) {
        return run(Main.commandLine(), args);
    }

    static Outcome run(CommandLine cmd, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }
}
