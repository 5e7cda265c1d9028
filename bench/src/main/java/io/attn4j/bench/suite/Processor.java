package io.attn4j.bench.suite;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The processor as the report names it, so that runs on different machines can be told apart:
 * vendor, family, model and stepping from {@code /proc/cpuinfo}, and the data cache sizes of one
 * core from sysfs or, where a VM hides sysfs's cache directories, from glibc's {@code sysconf}
 * (which asks CPUID). Either part is absent where its source is.
 *
 * @param vendor e.g. {@code AuthenticAMD}; empty if unknown
 * @param family the CPU family, -1 if unknown
 * @param model the model number, -1 if unknown
 * @param stepping the stepping, -1 if unknown
 * @param l1d L1 data cache bytes, 0 if unknown
 * @param l2 L2 bytes, 0 if unknown
 * @param l3 L3 bytes, 0 if unknown
 * @param cacheSource where the cache sizes came from
 */
record Processor(String vendor, int family, int model, int stepping, long l1d, long l2, long l3, String cacheSource) {
    /** glibc's {@code _SC_LEVEL1_DCACHE_SIZE}, {@code _SC_LEVEL2_CACHE_SIZE}, {@code _SC_LEVEL3_CACHE_SIZE}. */
    private static final int SC_L1D = 188;
    private static final int SC_L2 = 191;
    private static final int SC_L3 = 194;

    /** This machine's processor; never throws. */
    static Processor read() {
        String cpuinfo = "";
        try {
            cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            // not Linux: no family, model or stepping
        }
        long[] caches = sysfsCaches();
        String source = "sysfs";
        if (caches[1] == 0 && caches[2] == 0) {
            caches = new long[]{sysconf(SC_L1D), sysconf(SC_L2), sysconf(SC_L3)};
            source = "sysconf";
        }
        return parse(cpuinfo, caches, source);
    }

    /** The first processor's fields of {@code cpuinfo} (the text of {@code /proc/cpuinfo}) with {@code caches} (L1d, L2, L3). */
    static Processor parse(String cpuinfo, long[] caches, String cacheSource) {
        String vendor = field(cpuinfo, "vendor_id").orElse("");
        return new Processor(vendor, number(cpuinfo, "cpu family"), number(cpuinfo, "model"),
                number(cpuinfo, "stepping"), caches[0], caches[1], caches[2], cacheSource);
    }

    /** E.g. {@code "AuthenticAMD family 26 (0x1a), model 2 (0x2), stepping 1"}, or "unknown". */
    String describeCpu() {
        if (family < 0) {
            return vendor.isEmpty() ? "unknown" : vendor;
        }
        return String.format(Locale.ROOT, "%s family %d (0x%x), model %d (0x%x), stepping %d", vendor, family, family,
                model, Math.max(model, 0), stepping).trim();
    }

    /** E.g. {@code "L1d 48 KiB, L2 1 MiB, L3 32 MiB (sysfs)"}, or "unknown". */
    String describeCaches() {
        if (l1d == 0 && l2 == 0 && l3 == 0) {
            return "unknown";
        }
        return "L1d " + size(l1d) + ", L2 " + size(l2) + ", L3 " + size(l3) + " (" + cacheSource + ")";
    }

    private static String size(long bytes) {
        if (bytes <= 0) {
            return "unknown";
        }
        if (bytes % (1 << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        return bytes % 1024 == 0 ? (bytes >> 10) + " KiB" : bytes + " B";
    }

    private static Optional<String> field(String cpuinfo, String name) {
        return cpuinfo.lines().filter(l -> l.startsWith(name) && l.indexOf(':') > 0)
                .filter(l -> l.substring(0, l.indexOf(':')).trim().equals(name))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst();
    }

    private static int number(String cpuinfo, String name) {
        try {
            return field(cpuinfo, name).map(Integer::parseInt).orElse(-1);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** L1d, L2 and L3 bytes of cpu0 from sysfs, zeros where absent. */
    private static long[] sysfsCaches() {
        long[] caches = new long[3];
        try (Stream<Path> dirs = Files.list(Path.of("/sys/devices/system/cpu/cpu0/cache"))) {
            for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith("index")).toList()) {
                int level = Integer.parseInt(Files.readString(d.resolve("level")).trim());
                String type = Files.readString(d.resolve("type")).trim();
                if (level >= 1 && level <= 3 && !type.equals("Instruction")) {
                    caches[level - 1] = Roofline.cacheBytes(d);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no sysfs cache directories (some VMs): sysconf instead
        }
        return caches;
    }

    /** glibc's {@code sysconf(name)}, or 0 where it is not available or says nothing. */
    private static long sysconf(int name) {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return 0; // the constants are glibc's
        }
        try {
            MethodHandle sysconf = Linker.nativeLinker().downcallHandle(
                    Linker.nativeLinker().defaultLookup().find("sysconf").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            return Math.max(0, (long) sysconf.invokeExact(name));
        } catch (Throwable e) {
            return 0;
        }
    }
}
