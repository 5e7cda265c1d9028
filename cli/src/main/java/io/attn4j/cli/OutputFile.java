package io.attn4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Checks an output path before a run, so that a long run does not fail at its end: the file
 * can be written (its directory exists and is writable; it is not a directory or a device) and is
 * none of the command's input files (the same file through any path, link or hard link). The
 * write itself ({@code Npy.write}) replaces the file atomically, with the umask's mode for a new
 * file, and names the target in its errors.
 */
final class OutputFile {
    private OutputFile() {
    }

    /**
     * @param option the option's name, for messages ({@code --output})
     * @param inputs each input option's name and path (null paths are skipped)
     * @throws IllegalArgumentException naming {@code option}, the path and the problem
     */
    static void check(String option, Path output, Map<String, Path> inputs) throws IOException {
        String what = option + " " + output;
        boolean exists = Files.exists(output);
        if (exists && Files.isDirectory(output)) {
            throw new IllegalArgumentException(what + ": is a directory; name a file in it");
        }
        if (exists && !Files.isRegularFile(output)) {
            throw new IllegalArgumentException(what + ": is not a regular file");
        }
        for (Map.Entry<String, Path> input : inputs.entrySet()) {
            Path in = input.getValue();
            if (exists && in != null && Files.exists(in) && Files.isSameFile(output, in)) {
                throw new IllegalArgumentException(what + ": is the same file as " + input.getKey() + " " + in
                        + "; writing it would replace that input");
            }
        }
        // the directory the write renames into: the real file's, through links
        Path dir = (exists ? output.toRealPath() : output.toAbsolutePath()).getParent();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(what + ": " + (Files.exists(dir)
                    ? dir + " is not a directory"
                    : "its directory " + dir + " does not exist"));
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalArgumentException(what + ": its directory " + dir + " is not writable");
        }
    }
}
