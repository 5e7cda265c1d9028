package io.attn4j.engine.kernel;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Chooses the {@link Kernels} implementation once per JVM, and says why.
 *
 * <p>The vector kernels are used unless one of these holds, in which case the scalar reference is
 * used and the reason logged: {@code -Dattn4j.simd=false}; the module {@code jdk.incubator.vector}
 * is not in the boot layer (start the JVM with {@code --add-modules jdk.incubator.vector}); the JIT
 * has no C2 (interpreter only, or tiered compilation stopped below level 4), where the Vector API
 * is far slower than plain loops; or the vector width is below 128 bits.
 */
public final class KernelProvider {
    private static final System.Logger LOG = System.getLogger(KernelProvider.class.getName());

    /** The implementation chosen and the reason for it. */
    public record Choice(Kernels kernels, String reason) {
    }

    private static final class Holder {
        static final Choice CHOICE = lookup();
    }

    private KernelProvider() {
    }

    /** The implementation for this JVM, chosen on first call. */
    public static Kernels kernels() {
        return Holder.CHOICE.kernels();
    }

    /** The choice with its reason, e.g. for {@code attn4j info}. */
    public static Choice choice() {
        return Holder.CHOICE;
    }

    /** The scalar reference implementation. */
    public static Kernels scalar() {
        return new ScalarKernels();
    }

    private static Choice lookup() {
        String fallback = fallbackReason();
        if (fallback == null) {
            try {
                Kernels vector = (Kernels) Class.forName("io.attn4j.engine.kernel.VectorKernels")
                        .getDeclaredConstructor().newInstance();
                String reason = "Vector API usable: " + vector.name() + " (" + widthReason() + ")";
                LOG.log(System.Logger.Level.DEBUG, "attn4j kernels: {0}", reason);
                return new Choice(vector, reason);
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                Throwable cause = e;
                while (cause.getCause() != null) {
                    cause = cause.getCause();
                }
                fallback = "vector kernels failed to start: " + cause;
            }
        }
        LOG.log(System.Logger.Level.INFO, "attn4j kernels: scalar fallback, {0}", fallback);
        return new Choice(new ScalarKernels(), "scalar fallback: " + fallback);
    }

    private static String widthReason() throws ReflectiveOperationException {
        return (String) Class.forName("io.attn4j.engine.kernel.Simd").getField("WIDTH_REASON").get(null);
    }

    /** Why the vector kernels must not be used, or null when they can. */
    private static String fallbackReason() {
        if ("false".equalsIgnoreCase(System.getProperty("attn4j.simd", "true").trim())) {
            return "disabled by -Dattn4j.simd=false";
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "module jdk.incubator.vector is absent (start the JVM with --add-modules jdk.incubator.vector)";
        }
        return noC2Reason();
    }

    private static String noC2Reason() {
        if (System.getProperty("java.vm.info", "").contains("interpreted mode")) {
            return "the JVM runs interpreted only (-Xint): no C2 to compile vector code";
        }
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (hotspot == null) {
                return null;
            }
            if ("false".equals(hotspot.getVMOption("UseCompiler").getValue())) {
                return "the JIT is disabled (-XX:-UseCompiler): no C2";
            }
            boolean tiered = "true".equals(hotspot.getVMOption("TieredCompilation").getValue());
            int stopAt = Integer.parseInt(hotspot.getVMOption("TieredStopAtLevel").getValue());
            if (tiered && stopAt < 4) {
                return "C2 is off (-XX:TieredStopAtLevel=" + stopAt + "): vector code would not be compiled";
            }
        } catch (RuntimeException | LinkageError e) {
            // Not HotSpot, or options not exposed: assume a compiler that handles the Vector API.
        }
        return null;
    }
}
