package io.attn4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code attn4j} command. The {@code bench} subcommand lives with the
 * benchmarks ({@value #BENCH_COMMAND}), so that the command itself needs no benchmark or peer
 * library: it is added when the benchmarks jar is on the class path ({@code bin/attn4j bench}
 * puts it there), else a stand-in says how to run it.
 */
@Command(name = "attn4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "SIMD attention and recurrent sequence models on the JVM.")
public final class Main {
    static final String BENCH_COMMAND = "io.attn4j.bench.BenchCommand";

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with the project's error handling: one line per failure or usage error, no
     * stack trace unless --verbose.
     */
    static CommandLine commandLine() {
        return commandLine(BENCH_COMMAND);
    }

    /** For tests: the command line with {@code benchCommand} (a class name) as {@code bench} when it is on the class path. */
    static CommandLine commandLine(String benchCommand) {
        CommandLine cmd = new CommandLine(new Main());
        cmd.addSubcommand(new InfoCommand());
        cmd.addSubcommand(new InspectCommand());
        cmd.addSubcommand(new RunCommand());
        cmd.addSubcommand("bench", benchCommand(benchCommand));
        cmd.addSubcommand(new CommandLine.HelpCommand());
        return cmd.setCaseInsensitiveEnumValuesAllowed(true).setParameterExceptionHandler(new UsageErrors())
                .setExecutionExceptionHandler(new CliErrors());
    }

    /** The class named {@code name}, for picocli to instantiate, or the stand-in when it is absent. */
    private static Object benchCommand(String name) {
        try {
            return Class.forName(name, false, Main.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return new BenchMissing();
        }
    }

    /** The version from the jar manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"attn4j " + (v == null ? "dev" : v)};
        }
    }
}
