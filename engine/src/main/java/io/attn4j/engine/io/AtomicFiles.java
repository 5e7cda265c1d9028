package io.attn4j.engine.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file all or nothing: into a temporary file in the target's directory, flushed to disk,
 * then renamed over the target. A failure at any point leaves the target as it was.
 *
 * <p>The result looks as if the file had been written in place: a new file gets the mode the
 * umask gives any new file (the temporary file is created without explicit permissions, not with
 * {@code Files.createTempFile}'s 0600); a file that exists keeps its permissions; a symbolic link
 * stays a link, to the new content. Errors about the temporary file name the target instead.
 */
final class AtomicFiles {
    /** Code points of the target's name kept in the temporary file's name, which must stay under NAME_MAX. */
    private static final int NAME_KEPT = 64;
    private static final int NAME_ATTEMPTS = 100;

    /** The body of a file, written to an open channel. */
    @FunctionalInterface
    interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * @throws FileSystemException naming {@code target} if it exists and is not a regular file, or
     *     its directory cannot take the temporary file or the rename; what {@code body} throws,
     *     unchanged
     */
    static void write(Path target, Body body) throws IOException {
        Path file = replaced(target);
        Path temp;
        try {
            temp = createTemp(file);
        } catch (NoSuchFileException e) {
            throw (FileSystemException) new FileSystemException(target.toString(), null,
                    "its directory " + file.getParent() + " does not exist").initCause(e);
        } catch (FileSystemException e) {
            throw naming(target, e);
        }
        try {
            if (Files.exists(file)) {
                copyPermissions(file, temp);
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                body.writeTo(channel);
                channel.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(temp);
            if (e instanceof FileSystemException f && mentions(f, temp)) {
                throw naming(target, f);
            }
            throw e;
        }
    }

    /**
     * The file the write replaces: the target's real path when it exists (through symbolic links),
     * else the target itself.
     */
    private static Path replaced(Path target) throws IOException {
        if (!Files.exists(target)) {
            return target.toAbsolutePath();
        }
        Path real = target.toRealPath();
        if (!Files.isRegularFile(real)) {
            throw new FileSystemException(target.toString(), null, "not a regular file");
        }
        return real;
    }

    /** A new empty file beside {@code file}, {@code .<name>.<random>.tmp}, with the umask's mode. */
    private static Path createTemp(Path file) throws IOException {
        String name = file.getFileName().toString();
        int kept = name.offsetByCodePoints(0, Math.min(NAME_KEPT, name.codePointCount(0, name.length())));
        String stem = "." + name.substring(0, kept) + ".";
        for (int attempt = 1;; attempt++) {
            Path temp = file.resolveSibling(
                    stem + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try {
                return Files.createFile(temp);
            } catch (FileAlreadyExistsException e) {
                if (attempt == NAME_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private static void copyPermissions(Path from, Path to) throws IOException {
        try {
            Files.setPosixFilePermissions(to, Files.getPosixFilePermissions(from));
        } catch (UnsupportedOperationException notPosix) {
            // a file system without POSIX permissions: the new file has its defaults
        }
    }

    private static boolean mentions(FileSystemException e, Path temp) {
        return temp.toString().equals(e.getFile()) || temp.toString().equals(e.getOtherFile());
    }

    /** {@code e} as the same kind of exception about {@code target}, with {@code e} as its cause. */
    private static FileSystemException naming(Path target, FileSystemException e) {
        String file = target.toString();
        FileSystemException named = switch (e) {
            case AccessDeniedException a -> new AccessDeniedException(file, null, a.getReason());
            case NoSuchFileException n -> new NoSuchFileException(file, null, n.getReason());
            default -> new FileSystemException(file, null, e.getReason());
        };
        named.initCause(e);
        return named;
    }
}
