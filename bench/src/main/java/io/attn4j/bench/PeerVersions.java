package io.attn4j.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.apache.lucene.util.VectorUtil;

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
        peers.put("ONNX Runtime",
                safely(() -> OnnxModel.version() + ", 1 intra-op thread (N in the workloads on N threads per call)"));
        peers.put("Lucene", safely(() -> org.apache.lucene.util.Version.LATEST + ": " + luceneVectorization()));
        return peers;
    }

    /**
     * What Lucene logs when it picks its vector implementation (it offers no public query): the
     * provider classes log under this package.
     */
    private static String luceneVectorization() {
        Logger logger = Logger.getLogger("org.apache.lucene.internal.vectorization");
        StringBuilder said = new StringBuilder();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                said.append(said.isEmpty() ? "" : "; ").append(new SimpleFormatter().formatMessage(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.setUseParentHandlers(false);
        logger.addHandler(capture);
        try {
            VectorUtil.dotProduct(new float[]{1f}, new float[]{1f});
        } finally {
            logger.removeHandler(capture);
            logger.setUseParentHandlers(true);
        }
        return said.isEmpty() ? "vectorization not reported" : said.toString();
    }

    private static String safely(Supplier<String> description) {
        try {
            return description.get();
        } catch (RuntimeException | LinkageError e) {
            return "unavailable (" + e + ")";
        }
    }
}
