package io.attn4j.model;

import io.attn4j.engine.io.MalformedFileException;
import io.attn4j.engine.io.SafeTensorsFile;
import io.attn4j.engine.kernel.Kernels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Loading a model from a safetensors weights file and its config, found in this order: the
 * file's {@code __metadata__} key {@value #METADATA_KEY} (its value is the config's JSON text),
 * else {@value #CONFIG_FILE} in the same directory.
 */
final class ModelFiles {
    static final String METADATA_KEY = "attn4j.config";
    static final String CONFIG_FILE = "config.json";
    /** Largest config.json read; configs are a few hundred bytes. */
    private static final long MAX_CONFIG_BYTES = 1 << 20;

    private ModelFiles() {
    }

    /** See {@link SequenceModel#load(Path, Kernels)}. */
    static SequenceModel load(Path weightsFile, Kernels kernels) throws IOException {
        try (SafeTensorsFile file = SafeTensorsFile.open(weightsFile)) {
            ModelConfig config = config(file, weightsFile);
            try {
                return SequenceModel.build(config, WeightSource.of(file), kernels);
            } catch (WeightException e) {
                throw new MalformedFileException(weightsFile, e.tensor, e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new MalformedFileException(weightsFile, null,
                        "the weights do not fit the config: " + e.getMessage(), e);
            }
        }
    }

    private static ModelConfig config(SafeTensorsFile file, Path weightsFile) throws IOException {
        return locate(file).orElseThrow(
                () -> new MalformedFileException(weightsFile, "no model config: the file's __metadata__ has no \""
                        + METADATA_KEY + "\" key and there is no " + beside(weightsFile)))
                .config();
    }

    /** See {@link ModelConfig#locate}. */
    static Optional<ModelConfig.Located> locate(SafeTensorsFile file) throws IOException {
        Path weightsFile = file.file();
        String inMetadata = file.metadata().get(METADATA_KEY);
        if (inMetadata != null) {
            String source = "__metadata__ \"" + METADATA_KEY + "\"";
            return Optional.of(new ModelConfig.Located(parse(inMetadata, source, weightsFile), source));
        }
        Path beside = beside(weightsFile);
        if (!Files.isRegularFile(beside)) {
            return Optional.empty();
        }
        long size = Files.size(beside);
        if (size > MAX_CONFIG_BYTES) {
            throw new MalformedFileException(beside, size + " bytes, more than a model config may have ("
                    + MAX_CONFIG_BYTES + ")");
        }
        return Optional.of(
                new ModelConfig.Located(parse(Files.readString(beside, StandardCharsets.UTF_8), CONFIG_FILE, beside),
                        beside.toString()));
    }

    private static Path beside(Path weightsFile) {
        return weightsFile.toAbsolutePath().resolveSibling(CONFIG_FILE);
    }

    /** The config, or a {@link MalformedFileException} naming {@code file}, where the text came from, and the key. */
    private static ModelConfig parse(String json, String source, Path file) throws MalformedFileException {
        try {
            return ModelConfig.parse(json, source);
        } catch (IllegalArgumentException e) {
            throw new MalformedFileException(file, null, e.getMessage(), e);
        }
    }
}
