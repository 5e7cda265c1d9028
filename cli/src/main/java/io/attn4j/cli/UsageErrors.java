package io.attn4j.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * How a usage error ends (a missing, unknown or contradictory option): one line on stderr naming
 * the problem and where the options are listed, exit status 2. The full usage would bury the
 * message; {@code --help} shows it.
 */
final class UsageErrors implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        String suggestion = "";
        if (e instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            suggestion = " Did you mean " + String.join(" or ", u.getSuggestions()) + "?";
        }
        PrintWriter err = cmd.getErr();
        err.println(name + ": " + e.getMessage() + "." + suggestion + " (" + name + " --help lists the options)");
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }
}
