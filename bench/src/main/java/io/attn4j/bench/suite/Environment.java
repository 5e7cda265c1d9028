package io.attn4j.bench.suite;

import io.attn4j.bench.PeerVersions;
import io.attn4j.engine.kernel.KernelProvider;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** The report's environment section: machine, JDK, vector width, kernels, threads, JVM flags, peers. */
final class Environment {
    private Environment() {
    }

    static Map<String, String> describe(Map<String, String> machine, SuiteConfig config, List<Result> results,
            int preferredBits,
            Set<Integer> sweep, Roofline roofline) {
        Map<String, String> env = new LinkedHashMap<>(machine);
        env.put("Cores", Runtime.getRuntime().availableProcessors() + " available to the JVM");
        Processor cpu = Processor.read();
        env.put("CPU family", cpu.describeCpu());
        env.put("Caches (one core)", cpu.describeCaches());
        env.put("Last-level cache (roofline)", roofline.llcBytes() == 0
                ? "unknown to sysfs: the memory roof applies to every workload"
                : (roofline.llcBytes() >> 20) + " MiB");
        env.put("JDK", Runtime.version() + ", " + System.getProperty("java.vendor") + " ("
                + System.getProperty("java.vm.name") + ")");
        env.put("Vector width", preferredBits + " bits, the machine's preferred, in the main run"
                + (sweep.isEmpty()
                        ? ""
                        : "; sweep at " + sweep.stream().map(String::valueOf).collect(Collectors.joining(", "))
                                + " bits (-Dattn4j.vectorBits)"));
        KernelProvider.Choice choice = KernelProvider.choice();
        env.put("Kernel provider", choice.kernels().name() + ": " + choice.reason());
        env.put("Threads", config.threads() + " JMH thread" + (config.threads() == 1 ? "" : "s")
                + " per benchmark; each call single-threaded, except in the workloads labelled N threads per call; "
                + "limits measured with as many JMH threads");
        List<String> flags = results.isEmpty() ? Suite.FORK_FLAGS : results.get(0).jvmArgs();
        env.put("Forks' JVM flags", String.join(" ", flags));
        env.put("Selection", (config.quick() ? "--quick" : "--full")
                + (config.filter().pattern().isEmpty() ? "" : ", --filter " + config.filter().pattern()));
        env.put("Iterations", iterations(config));
        PeerVersions.describe().forEach(env::put);
        return env;
    }

    private static String iterations(SuiteConfig config) {
        String count = config.iterations() != null
                ? config.iterations() + " warm-up + " + config.iterations() + " measured"
                : config.quick()
                        ? "2 x 0.5 s warm-up (5 x 1 s for attn4j's attention and recurrent layers, 10 x 1 s for its classifier)"
                                + " + 3 x 0.5 s measured"
                        : "each benchmark's own (5 warm-up + 5 measured, 2 s)";
        String time = config.iterationTime() != null ? config.iterationTime().toMillis() + " ms" : null;
        return String.format(Locale.ROOT, "%s%s, %s", count, time == null ? "" : " of " + time,
                config.quick() ? "1 fork" : "forks as each benchmark sets (1; 3 for the classifier)");
    }
}
