package io.attn4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code attn4j} command. */
@Command(name = "attn4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "SIMD attention and recurrent sequence models on the JVM.", subcommands = {
        InfoCommand.class, InspectCommand.class, RunCommand.class, BenchCommand.class,
        CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with the project's error handling: one line per failure, no stack trace unless --verbose. */
    static CommandLine commandLine() {
        return new CommandLine(new Main()).setExecutionExceptionHandler(new CliErrors());
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
