package io.attn4j.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The peer libraries' versions and the code paths they pick on this machine, for a report. Loads
 * OpenBLAS, ONNX Runtime and Lucene into this JVM: call it with the environment the benchmark
 * forks inherit (OpenBLAS reads {@code OPENBLAS_CORETYPE} when it loads).
 */
public final class PeerVersions {
    private PeerVersions() {
    }

    /** Peer name to description; a peer that cannot load says why instead. */
    public static Map<String, String> describe() {
        Map<String, String> peers = new LinkedHashMap<>();
        peers.put("OpenBLAS", safely(OpenBlas::describe));
        peers.put("ONNX Runtime", safely(() -> OnnxModel.version() + ", 1 intra-op thread"));
        peers.put("Lucene", safely(() -> org.apache.lucene.util.Version.LATEST + ": " + Report.luceneVectorization()));
        return peers;
    }

    private static String safely(Supplier<String> description) {
        try {
            return description.get();
        } catch (RuntimeException | LinkageError e) {
            return "unavailable (" + e + ")";
        }
    }
}
