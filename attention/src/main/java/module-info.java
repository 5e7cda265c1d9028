/**
 * Attention: score functions, masks, the reference and the fused tiled attention, multi-head
 * attention, Keras' attention layers and a KV cache for decoding: {@link io.attn4j.attention.Attention}.
 */
module io.attn4j.attention {
    requires transitive io.attn4j.engine;

    exports io.attn4j.attention;
}
