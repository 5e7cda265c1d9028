package io.attn4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** What {@code attn4j info} reports about the CPU, read from /proc/cpuinfo where there is one. */
record MachineInfo(String model, int logicalCpus, String simdFeatures) {
    /** The instruction-set extensions that matter to float32 vector code, in this order. */
    private static final List<String> SIMD = List.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw",
            "avx512vl", "avx512dq", "avx512_bf16", "avx512_fp16", "asimd", "asimdhp", "sve", "sve2");

    static MachineInfo read() {
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
        return new MachineInfo(model, Runtime.getRuntime().availableProcessors(), features);
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
