/**
 * Whole sequence models: a recurrent encoder ({@link io.attn4j.cells.RecurrentNetwork}), optional
 * attention ({@link io.attn4j.attention.Attention} or
 * {@link io.attn4j.attention.MultiHeadAttention}), pooling over the valid steps and a dense head,
 * as a {@link io.attn4j.model.ModelConfig} describes them, built from any
 * {@link io.attn4j.model.WeightSource} or loaded from a safetensors file
 * ({@link io.attn4j.model.SequenceModel#load}), run through per-thread
 * {@link io.attn4j.model.Session}s; {@link io.attn4j.model.Sequences}
 * prepares Keras-style inputs.
 */
package io.attn4j.model;
