package io.attn4j.model;

import io.attn4j.engine.io.SafeTensorsFile;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;

/**
 * Named weight tensors a {@link SequenceModel} is built from: a weights file, or a map in tests.
 * {@link SequenceModel#build} reads every tensor it needs once and copies it; the source may be
 * closed after that.
 */
public interface WeightSource {
    /** True when the source holds a tensor called {@code name}. */
    boolean contains(String name);

    /**
     * The shape of tensor {@code name}, without reading its data.
     *
     * @throws IllegalArgumentException naming the tensor if it is absent
     */
    long[] shape(String name);

    /**
     * Tensor {@code name} as F32 (a view or a widened copy, valid while the source is open).
     *
     * @throws IllegalArgumentException naming the tensor if it is absent or cannot be read as F32
     */
    Tensor f32(String name);

    /**
     * A source over an open safetensors file: shapes from its header, F32 tensors as the file gives
     * them (zero-copy views, or copies widened from F16/BF16), valid until the file is closed.
     */
    static WeightSource of(SafeTensorsFile file) {
        return new WeightSource() {
            @Override
            public boolean contains(String name) {
                return file.contains(name);
            }

            @Override
            public long[] shape(String name) {
                return file.info(name).shape();
            }

            @Override
            public Tensor f32(String name) {
                try {
                    return file.f32(name);
                } catch (IllegalArgumentException e) {
                    throw new WeightException(name, e.getMessage(), e);
                }
            }

            @Override
            public String toString() {
                return file.toString();
            }
        };
    }

    /** A source over a map of tensors (not copied; the tensors must stay open until the model is built). */
    static WeightSource of(Map<String, Tensor> tensors) {
        return new WeightSource() {
            @Override
            public boolean contains(String name) {
                return tensors.containsKey(name);
            }

            @Override
            public long[] shape(String name) {
                return get(name).shape();
            }

            @Override
            public Tensor f32(String name) {
                Tensor t = get(name);
                if (t.dtype() != DType.F32) {
                    throw new WeightException(name, "weight tensor '" + name + "' is " + t.dtype() + ", expected F32");
                }
                return t;
            }

            private Tensor get(String name) {
                Tensor t = tensors.get(name);
                if (t == null) {
                    throw new WeightException(name, "missing weight tensor '" + name + "'");
                }
                return t;
            }

            @Override
            public String toString() {
                return "tensors " + Arrays.toString(tensors.keySet().stream().sorted().toArray());
            }
        };
    }
}
