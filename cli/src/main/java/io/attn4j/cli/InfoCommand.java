package io.attn4j.cli;

import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.SelfCheck;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code attn4j info}: the JDK, the CPU and its vector width, the kernel provider's choice and
 * why, and a self-check of every kernel of that choice against the scalar reference. Exits 1 when
 * a kernel is outside its bound.
 */
@Command(name = "info", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Show the JDK, CPU vector width, kernel provider, and self-check every kernel.")
final class InfoCommand implements Callable<Integer> {
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    @Spec
    private CommandSpec spec;

    private final Supplier<KernelProvider.Choice> choice;

    InfoCommand() {
        this(KernelProvider::choice);
    }

    /** For tests: reports on, and checks, the kernels {@code choice} supplies. */
    InfoCommand(Supplier<KernelProvider.Choice> choice) {
        this.choice = choice;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        KernelProvider.Choice chosen = choice.get();
        boolean vectorModule = KernelProvider.vectorModulePresent();
        boolean vectorKernels = chosen.vector();
        MachineInfo machine = MachineInfo.read();

        TextTable about = new TextTable(false, false);
        about.row("JDK", Runtime.version() + ", " + System.getProperty("java.vendor") + " ("
                + System.getProperty("java.vm.name") + ")");
        about.row("JDK home", System.getProperty("java.home"));
        about.row("CPU", machine.model() + ", " + machine.logicalCpus() + " logical CPUs available to the JVM");
        if (!machine.simdFeatures().isEmpty()) {
            about.row("SIMD features", machine.simdFeatures());
        }
        about.row("Vector API", vectorModule
                ? VECTOR_MODULE + " present; machine's preferred width "
                        + KernelProvider.preferredVectorBits() + " bits"
                : VECTOR_MODULE + " absent (start the JVM with --add-modules " + VECTOR_MODULE + ")");
        about.row("Width in use", vectorKernels ? chosen.vectorBits() + " bits" : "none: scalar kernels");
        about.row("Kernels", chosen.kernels().name());
        about.row("Chosen because", chosen.reason());
        about.print(out, "");

        List<SelfCheck.Result> results = SelfCheck.run(chosen.kernels());
        out.println();
        out.println("Self-check: " + chosen.kernels().name() + " against the scalar reference"
                + (vectorKernels ? "" : " (the reference checked against itself)"));
        TextTable table = new TextTable(false, true, true, true, false);
        table.row("kernel", "values", "max error", "bound", "result");
        for (SelfCheck.Result r : results) {
            table.row(r.kernel(), Integer.toString(r.compared()), amount(r.error(), r.unit()),
                    amount(r.bound(), r.unit()),
                    r.passed() ? "ok" : "FAILED");
        }
        table.print(out, "  ");
        long failed = results.stream().filter(r -> !r.passed()).count();
        out.println();
        if (failed == 0) {
            out.println("All " + results.size() + " kernels are within their bounds.");
        } else {
            for (SelfCheck.Result r : results) {
                if (!r.passed()) {
                    out.println("FAILED " + r.kernel() + ": " + r.failure());
                }
            }
            out.println(failed + " of " + results.size() + " kernels are outside their bounds.");
        }
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    /** An error or bound in its unit: whole ulps as integers, absolute values in scientific notation. */
    private static String amount(double value, String unit) {
        return switch (unit) {
            case "ulp" -> (value == Math.rint(value) && value < 1e6
                    ? Long.toString((long) value)
                    : String.format(Locale.ROOT, "%.3g", value)) + " ulp";
            case "index" -> value == 0 ? "exact" : String.format(Locale.ROOT, "%.0f", value);
            default -> String.format(Locale.ROOT, "%.2e", value);
        };
    }
}
