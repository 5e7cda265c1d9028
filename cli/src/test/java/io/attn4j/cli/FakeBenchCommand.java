package io.attn4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Stands in for io.attn4j.bench.BenchCommand, which the command's tests do not have on their class path. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "A test's bench command.")
public final class FakeBenchCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--quick")
    private boolean quick;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println("fake bench ran, quick=" + quick);
        return 0;
    }
}
