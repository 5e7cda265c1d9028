package io.attn4j.model.keras;

import io.attn4j.engine.io.MalformedFileException;
import io.attn4j.engine.kernel.Kernels;
import io.attn4j.model.graph.Graph;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Loads Keras models as Keras saves them: a Keras 3 {@code .keras} archive or a legacy
 * {@code .h5} file, {@code Sequential} or {@code Functional}, into a {@link Graph} of the layers
 * attn4j runs. See {@link KerasGraphReader} for the layers and options read.
 */
public final class KerasModels {
    private KerasModels() {
    }

    /** True when {@code file} starts like a zip archive or an HDF5 file, the two Keras formats. */
    public static boolean isKerasFile(Path file) throws IOException {
        return KerasArchive.looksLikeKeras(file);
    }

    /**
     * Reads a model and builds its graph on {@code kernels}; the file is closed before this returns.
     *
     * @throws MalformedFileException naming the file and the layer: an unreadable file, a layer or
     *         option attn4j does not run, a weight missing or of the wrong shape; nothing stays
     *         allocated
     * @throws IOException if the file cannot be read
     */
    public static Graph load(Path file, Kernels kernels) throws IOException {
        try (KerasArchive archive = KerasArchive.open(file)) {
            return new KerasGraphReader(archive, kernels).read();
        }
    }
}
