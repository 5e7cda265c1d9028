package io.attn4j.model.graph;

import java.util.List;

/**
 * Fuses a Keras {@code Attention} followed only by a maskless {@code GlobalAveragePooling1D} into
 * one node: the attention writes the mean of its context rows straight into the pooling's output
 * ({@link io.attn4j.attention.Attention#attendMean}), without the {@code T x T x d} product that
 * makes the context (the founding example's pooled form).
 */
final class AttentionMeanFusion {
    private AttentionMeanFusion() {
    }

    /** Fuses every such pair in {@code nodes} (topological order, renumbered after); {@code output} stays. */
    static void fuse(List<Node> nodes, Port output) {
        for (int i = 0; i < nodes.size(); i++) {
            if (!(nodes.get(i) instanceof KerasAttentionNode a) || !a.canPoolMean()) {
                continue;
            }
            Port context = a.outputs[0];
            if (context.id == output.id) {
                continue;
            }
            PoolNode pool = null;
            int readers = 0;
            for (Node n : nodes) {
                for (Port p : n.inputs) {
                    if (p.id == context.id) {
                        readers++;
                        pool = n instanceof PoolNode pn && pn.meansWithoutMask() ? pn : null;
                    }
                }
            }
            if (readers == 1 && pool != null) {
                a.poolMeanInto(pool.outputs[0]);
                nodes.remove(pool);
                for (int k = 0; k < nodes.size(); k++) {
                    nodes.get(k).index = k;
                }
            }
        }
    }
}
