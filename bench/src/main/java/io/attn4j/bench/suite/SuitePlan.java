package io.attn4j.bench.suite;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Which benchmarks a suite runs, in which JMH runs. A run is one selection with its own parameter
 * values, since several benchmark classes name their parameters alike ({@code shape}, {@code seq})
 * with values that only fit their own class.
 *
 * <p>{@code --full} is every {@code *Bench} class of {@code io.attn4j.bench} with all its
 * parameters (each call on one thread), then W3 at T = 2048 (with and without the causal mask) and
 * W4 with each call on all cores ({@code threads} = the core count): attn4j and the OpenBLAS and
 * ONNX Runtime peers, not attn4j's reference. {@code --quick} is one case of each workload (both
 * batches of W7), attn4j against its peers, on one thread; of the scalar references only the dot's,
 * which is cheap.
 * Both start with the machine limits, which a filter does not remove: the roofline needs them.
 *
 * <p>A benchmark whose {@code @Fork} appends flags (system properties such as the classifier's
 * scalar reference's {@code -Dattn4j.simd=false}) keeps them: the suite sets the forks' flags
 * itself, which replaces what the classes append, so such benchmarks go in runs of their own that
 * append them.
 */
public final class SuitePlan {
    private static final String PACKAGE = "io\\.attn4j\\.bench\\.";
    private static final Selection LIMITS = new Selection(PACKAGE + "MachineLimitsBench\\.", Map.of());

    /**
     * A regex over benchmark names and the parameter values to run them with (none: the class's
     * own); {@code slowWarmups}, when not 0, marks benchmarks whose calls stay interpreted or in C1
     * for seconds before C2 compiles them, which {@code --quick} warms up for that many 1 s iterations.
     */
    record Selection(String include, Map<String, String> params, int slowWarmups) {
        Selection(String include, Map<String, String> params) {
            this(include, params, 0);
        }
    }

    /**
     * One JMH run: exact benchmark names, parameters, the flags (system properties) their
     * classes' {@code @Fork} appends to the suite's, how many benchmarks it makes, and {@code --quick}'s 1 s warm-up
     * iterations for slow-to-warm ones (0: the ordinary warm-up).
     */
    public record Run(List<String> benchmarks, Map<String, String> params, List<String> properties, int count,
            int slowWarmups) {
    }

    private static final List<Selection> QUICK = List.of(
            LIMITS,
            new Selection(PACKAGE + "GemmBench\\.gemm_(attn4j|openblas|onnxruntime)$",
                    Map.of("shape", "1024x1024x1024")),
            new Selection(PACKAGE + "SoftmaxBench\\.softmax_(attn4j|onnxruntime)$", Map.of()),
            new Selection(PACKAGE + "DotBench\\.", Map.of()),
            new Selection(PACKAGE + "GemvBench\\.gemv_(attn4j|openblas|onnxruntime)$", Map.of()),
            new Selection(PACKAGE + "(Lstm|Gru)Bench\\.\\w+_onnxruntime$", Map.of("shape", "64x1")),
            new Selection(PACKAGE + "(Lstm|Gru)Bench\\.\\w+_attn4j$", Map.of("shape", "64x1"), 5),
            new Selection(PACKAGE + "AttentionBench\\.attn_(openblas|onnxruntime)$",
                    Map.of("seq", "512", "mask", "none")),
            new Selection(PACKAGE + "AttentionBench\\.attn_attn4j$", Map.of("seq", "512", "mask", "none"), 5),
            new Selection(PACKAGE + "MhaBench\\.mha_(openblas|onnxruntime|onnxruntime_contrib)$", Map.of()),
            new Selection(PACKAGE + "MhaBench\\.mha_attn4j$", Map.of(), 5),
            new Selection(PACKAGE + "DecodeBench\\.decode_(attn4j|openblas|onnxruntime|memoryread)$", Map.of()),
            new Selection(PACKAGE + "ClassifierBench\\.classifier_onnxruntime$", Map.of()),
            // a batch-1 call runs each kernel a few times only: C2 took 5 to 9 s on a 2-core machine under twice its load
            new Selection(PACKAGE + "ClassifierBench\\.classifier_attn4j(keras)?$", Map.of(), 10));

    private static final List<Selection> FULL = full(Runtime.getRuntime().availableProcessors());

    private SuitePlan() {
    }

    /** {@code --full} on a machine of {@code cores} cores; with one core, no all-core runs (they would repeat the others). */
    static List<Selection> full(int cores) {
        List<Selection> full = new ArrayList<>(
                List.of(LIMITS, new Selection(PACKAGE + "(?!MachineLimits)\\w+Bench\\.", Map.of())));
        if (cores > 1) {
            String all = String.valueOf(cores);
            full.add(new Selection(PACKAGE + "AttentionBench\\.attn_(attn4j|openblas|onnxruntime)$",
                    Map.of("seq", "2048", "threads", all)));
            full.add(new Selection(PACKAGE + "MhaBench\\.mha_(attn4j|openblas|onnxruntime|onnxruntime_contrib)$",
                    Map.of("threads", all)));
            full.add(new Selection(PACKAGE + "DecodeBench\\.decode_(attn4j|openblas|onnxruntime|memoryread)$",
                    Map.of("threads", all)));
        }
        return List.copyOf(full);
    }

    /**
     * The runs of {@code --quick} or {@code --full}, keeping only the benchmarks (other than the
     * limits) whose full name {@code filter} finds, and only those {@code keep} finds, limits included.
     */
    public static List<Run> runs(boolean quick, Pattern filter, Pattern keep) {
        BenchmarkList list = BenchmarkList.defaultList();
        List<Run> runs = new ArrayList<>();
        for (Selection s : quick ? QUICK : FULL) {
            Map<List<String>, List<BenchmarkListEntry>> byProperties = new LinkedHashMap<>();
            for (BenchmarkListEntry e : list.find(SILENT, List.of(s.include()), List.of())) {
                String name = e.getUsername();
                if ((s == LIMITS || filter.matcher(name).find()) && keep.matcher(name).find()) {
                    byProperties.computeIfAbsent(properties(e), k -> new ArrayList<>()).add(e);
                }
            }
            byProperties.forEach((properties,
                    entries) -> runs.add(new Run(entries.stream().map(BenchmarkListEntry::getUsername).toList(),
                            new LinkedHashMap<>(s.params()), properties,
                            entries.stream().mapToInt(e -> combinations(e, s.params())).sum(),
                            s.slowWarmups())));
        }
        return runs;
    }

    /** The JVM flags {@code e}'s {@code @Fork} appends. */
    private static List<String> properties(BenchmarkListEntry e) {
        return List.copyOf(e.getJvmArgsAppend().orElse(List.of()));
    }

    /** Parameter combinations JMH makes of {@code e}: the product of each parameter's number of values. */
    private static int combinations(BenchmarkListEntry e, Map<String, String> overrides) {
        int n = 1;
        if (e.getParams().hasValue()) {
            for (Map.Entry<String, String[]> p : e.getParams().get().entrySet()) {
                n *= overrides.containsKey(p.getKey()) ? 1 : p.getValue().length;
            }
        }
        return n;
    }

    /** BenchmarkList only prints about resources it cannot read, which a runnable suite has. */
    private static final OutputFormat SILENT = OutputFormatFactory.createFormatInstance(
            new PrintStream(OutputStream.nullOutputStream()), VerboseMode.SILENT);
}
