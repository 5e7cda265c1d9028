package io.attn4j.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code attn4j bench} when the benchmarks are not on the class path (the command's own jar, run
 * without {@code bin/attn4j bench}): one line saying how to run it, exit status 1, whatever the
 * arguments.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Run the benchmark suite. It needs the benchmarks jar: run it as bin/attn4j bench.")
final class BenchMissing implements Callable<Integer> {
    static final String MESSAGE = "attn4j bench: the bench command needs the benchmarks jar: run it as bin/attn4j bench";

    @Spec
    private CommandSpec spec;

    /** The real command's options, which this stand-in does not know. */
    @Unmatched
    private List<String> arguments;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println(MESSAGE);
        spec.commandLine().getErr().flush();
        return CliErrors.FAILED;
    }
}
