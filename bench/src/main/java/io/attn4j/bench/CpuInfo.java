package io.attn4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The CPU as the benchmark report names it: its model and the SIMD extensions that matter to
 * float32 vector code, read from /proc/cpuinfo where there is one. (The attn4j command's
 * {@code info} reads the same file for itself: the command does not depend on the benchmarks.)
 */
final class CpuInfo {
    /** The instruction-set extensions that matter to float32 vector code, in this order. */
    private static final List<String> SIMD = List.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw",
            "avx512vl", "avx512dq", "avx512_bf16", "avx512_fp16", "asimd", "asimdhp", "sve", "sve2");

    private CpuInfo() {
    }

    /** "CPU" and "SIMD flags", for the report's environment section. */
    static Map<String, String> describe() {
        String model = System.getProperty("os.arch");
        String features = "";
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            model = field(lines, "model name", field(lines, "Hardware", model));
            Set<String> flags = Set.of(field(lines, "flags", field(lines, "Features", "")).split("\\s+"));
            features = SIMD.stream().filter(flags::contains).collect(Collectors.joining(" "));
        } catch (IOException | RuntimeException e) {
            // no /proc (macOS) or unreadable: the architecture name has to do
        }
        Map<String, String> about = new LinkedHashMap<>();
        about.put("CPU", model);
        about.put("SIMD flags", features.isEmpty() ? "unknown" : features);
        return about;
    }

    /** The value of the first "key : value" line for {@code key}, or {@code otherwise}. */
    private static String field(List<String> lines, String key, String otherwise) {
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
                return line.substring(colon + 1).trim();
            }
        }
        return otherwise;
    }
}
