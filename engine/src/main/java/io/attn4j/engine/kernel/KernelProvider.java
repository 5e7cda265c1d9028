package io.attn4j.engine.kernel;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.attn4j.engine.internal.Backend;
import io.attn4j.engine.internal.CheckedKernels;
import io.attn4j.engine.internal.scalar.ScalarGates;
import io.attn4j.engine.internal.scalar.ScalarKernels;
import io.attn4j.engine.internal.scalar.ScalarTiles;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;

/**
 * Chooses, once per JVM, the implementation behind every computation of attn4j, and says why:
 * the kernels, and with them the recurrent cells' gate kernels and the fused attention's tile
 * kernels. Layers are built with the {@link Kernels} they use (by default {@link #kernels()});
 * they never look one up themselves, so a model on the scalar reference and one on the vector
 * kernels can live in one JVM.
 *
 * <p>The vector implementation is used unless one of these holds, in which case the scalar
 * reference is used and the reason logged once (INFO, logger {@code io.attn4j.engine.kernel.KernelProvider}):
 * {@code -Dattn4j.simd=false}; the module {@code jdk.incubator.vector} is not in the boot layer
 * (start the JVM with {@code --add-modules jdk.incubator.vector}); the JIT has no C2 (interpreter
 * only, or tiered compilation stopped below level 4), where the Vector API is far slower than
 * plain loops; or the vector width is below 128 bits. When the scalar reference is chosen, no
 * class of {@code jdk.incubator.vector} is ever loaded.
 *
 * <p>Every {@link Kernels} handed out here checks its arguments (see {@link Kernels}); all
 * methods are thread-safe.
 */
public final class KernelProvider {
    private static final System.Logger LOG = System.getLogger(KernelProvider.class.getName());
    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_BACKENDS = "io.attn4j.engine.internal.vector.VectorBackends";
    private static final Kernels SCALAR = new CheckedKernels(
            new Backend("scalar", new ScalarKernels(), ScalarGates.INSTANCE, ScalarTiles.INSTANCE));

    /**
     * The implementation chosen and why.
     *
     * @param kernels the kernels (and, behind them, the gate and tile kernels)
     * @param reason one line for logs and {@code attn4j info}
     * @param vectorBits the vector width the kernels use, or 0 for the scalar reference
     */
    public record Choice(Kernels kernels, String reason, int vectorBits) {
        /** Whether the vector kernels were chosen. */
        public boolean vector() {
            return vectorBits > 0;
        }
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

    /** The scalar reference implementation (plain loops, the oracle of the tests); never touches the Vector API. */
    public static Kernels scalar() {
        return SCALAR;
    }

    /** Whether the module {@code jdk.incubator.vector} is in the boot layer. */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /**
     * Bits of the machine's preferred (widest efficient) vector shape as the Vector API reports it,
     * or 0 when the module is absent. Loads the Vector API when it is present.
     */
    public static int preferredVectorBits() {
        if (!vectorModulePresent()) {
            return 0;
        }
        try {
            return (Integer) vectorMethod("preferredBits").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return 0;
        }
    }

    private static Choice lookup() {
        String fallback = fallbackReason();
        if (fallback == null) {
            try {
                Backend vector = (Backend) vectorMethod("create").invoke(null);
                int bits = (Integer) vectorMethod("bits").invoke(null);
                String reason = "Vector API usable: " + vector.name() + " (" + vectorMethod("widthReason").invoke(null)
                        + ")";
                LOG.log(System.Logger.Level.DEBUG, "attn4j kernels: {0}", reason);
                return new Choice(new CheckedKernels(vector), reason, bits);
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                Throwable cause = e;
                while (cause.getCause() != null) {
                    cause = cause.getCause();
                }
                fallback = "vector kernels failed to start: " + cause;
            }
        }
        LOG.log(System.Logger.Level.INFO, "attn4j kernels: scalar fallback, {0}", fallback);
        return new Choice(SCALAR, "scalar fallback: " + fallback, 0);
    }

    private static Method vectorMethod(String name) throws ReflectiveOperationException {
        return Class.forName(VECTOR_BACKENDS).getMethod(name);
    }

    /** Why the vector kernels must not be used, or null when they can. */
    private static String fallbackReason() {
        if ("false".equalsIgnoreCase(System.getProperty("attn4j.simd", "true").trim())) {
            return "disabled by -Dattn4j.simd=false";
        }
        if (!vectorModulePresent()) {
            return "module " + VECTOR_MODULE + " is absent (start the JVM with --add-modules " + VECTOR_MODULE + ")";
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
