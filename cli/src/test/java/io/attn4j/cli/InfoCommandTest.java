package io.attn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.kernel.KernelProvider;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.testing.ForwardingKernels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code attn4j info} run in-process. */
class InfoCommandTest {

    private static String[] run(CommandLine cmd, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new String[]{Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void reportsTheProviderAndChecksEveryKernel() {
        String[] r = run(Main.commandLine(), "info");
        String out = r[1];
        assertEquals("0", r[0], out + r[2]);
        assertEquals("", r[2]);
        KernelProvider.Choice choice = KernelProvider.choice();
        assertTrue(out.contains(choice.kernels().name()), out);
        assertTrue(out.contains(choice.reason()), out);
        for (String row : new String[]{"JDK", "JDK home", "CPU", "Vector API", "Width in use", "Kernels",
                "Chosen because"}) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith(row + " ")), "no '" + row + "' row in\n" + out);
        }
        Arrays.stream(Kernels.class.getMethods()).map(Method::getName).filter(m -> !m.equals("name"))
                .forEach(kernel -> assertTrue(out.lines().anyMatch(l -> l.matches("\\s+" + kernel + "\\s.*\\sok")),
                        "no passing row for " + kernel + " in\n" + out));
        assertTrue(out.contains("All 18 kernels are within their bounds."), out);
    }

    @Test
    void aKernelOutsideItsBoundMakesTheCommandFail() {
        Kernels broken = new ForwardingKernels(KernelProvider.scalar()) {
            @Override
            public float sum(int n, MemorySegment x, long xOff) {
                return super.sum(n, x, xOff) + 1f;
            }

            @Override
            public String name() {
                return "broken";
            }
        };
        String[] r = run(
                new CommandLine(new InfoCommand(() -> new KernelProvider.Choice(broken, "a test's choice", 0))));
        String out = r[1];
        assertEquals("1", r[0], out);
        assertTrue(out.contains("a test's choice"), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("\\s+sum\\s.*FAILED")), out);
        assertTrue(out.contains("FAILED sum: "), out);
        assertTrue(out.contains("1 of 18 kernels are outside their bounds."), out);
    }
}
