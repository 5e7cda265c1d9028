package io.attn4j.examples.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example app, as a user runs it: in a fresh JVM, on the class path and on the module path,
 * with and without the Vector API module. Each run must reproduce {@code expected.npy} (the app
 * exits 1 otherwise) on the kernels the provider says it chose; with {@code -Dattn4j.simd=false}
 * not one class of the Vector API or of attn4j's vector package may be loaded.
 */
class ClassifierAppTest {
    private static final String MAIN = ClassifierApp.class.getName();
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    @Test
    void classPathWithoutTheVectorModuleRunsTheScalarKernels() throws Exception {
        String out = run(List.of("-cp", classPath()), MAIN);
        assertTrue(out.contains("scalar fallback: module jdk.incubator.vector is absent"), out);
    }

    @Test
    void classPathWithTheVectorModuleRunsTheVectorKernels() throws Exception {
        String out = run(List.of("--add-modules", VECTOR_MODULE, "-cp", classPath()), MAIN);
        assertTrue(out.contains("kernels: Vector API usable: vector-"), out);
    }

    @Test
    void simdFalseLoadsNoVectorClass(@TempDir Path dir) throws Exception {
        Path off = dir.resolve("off.log"), on = dir.resolve("on.log");
        String out = run(List.of("--add-modules", VECTOR_MODULE, "-Dattn4j.simd=false",
                "-Xlog:class+load=info:file=" + off, "-cp", classPath()), MAIN);
        assertTrue(out.contains("scalar fallback: disabled by -Dattn4j.simd=false"), out);
        assertEquals(List.of(), vectorClasses(off), "classes loaded with -Dattn4j.simd=false");
        // the same check sees them when the vector kernels run, so it can fail
        run(List.of("--add-modules", VECTOR_MODULE, "-Xlog:class+load=info:file=" + on, "-cp", classPath()), MAIN);
        assertFalse(vectorClasses(on).isEmpty(), "no vector class in the log of a vector run: " + on);
    }

    @Test
    void modulePathWithAndWithoutTheVectorModule() throws Exception {
        String module = "io.attn4j.examples.app/" + MAIN;
        String scalar = run(List.of("--module-path", modulePath()), "-m", module);
        assertTrue(scalar.contains("scalar fallback: module jdk.incubator.vector is absent"), scalar);
        String vector = run(List.of("--add-modules", VECTOR_MODULE, "--module-path", modulePath()), "-m", module);
        assertTrue(vector.contains("kernels: Vector API usable: vector-"), vector);
    }

    /** Runs the app in a child JVM with {@code options}; fails unless it exits 0 within the time allowed. */
    private static String run(List<String> options, String... main) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        command.addAll(Arrays.asList(main));
        command.add(repositoryRoot().resolve("examples/classifier").toString());
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = child.getInputStream().readAllBytes();
        assertTrue(child.waitFor(180, TimeUnit.SECONDS), "the app did not finish: " + command);
        String out = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), String.join(" ", command) + "\n" + out);
        assertTrue(out.contains("max |prediction - expected| = "), out);
        return out;
    }

    private static List<String> vectorClasses(Path log) throws IOException {
        return Files.readAllLines(log).stream()
                .filter(l -> l.contains(" jdk.incubator.vector.") || l.contains(" io.attn4j.engine.internal.vector."))
                .toList();
    }

    /**
     * The test's class path without the test classes and test-only libraries: the app, attn4j and
     * attn4j's own dependencies (the HDF5 reader of Keras files and what it needs).
     */
    private static String classPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> isProjectModule(e) || isLibraryDependency(e))
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** A jar outside the repository that is not a test library (JUnit and what it brings). */
    private static boolean isLibraryDependency(String entry) {
        Path p = Path.of(entry).toAbsolutePath().normalize();
        String name = p.getFileName().toString();
        return !p.startsWith(repositoryRoot()) && name.endsWith(".jar") && !name.startsWith("junit-")
                && !name.startsWith("opentest4j") && !name.startsWith("apiguardian");
    }

    private static String modulePath() {
        return classPath();
    }

    /** The app's classes and attn4j's module jars (or class folders): entries inside this repository, not test ones. */
    private static boolean isProjectModule(String entry) {
        Path p = Path.of(entry).toAbsolutePath().normalize();
        return p.startsWith(repositoryRoot()) && !p.endsWith("test-classes")
                && !p.getFileName().toString().contains("tests");
    }

    /** The outermost directory above the working directory that holds a pom.xml (this module is two levels down). */
    private static Path repositoryRoot() {
        Path root = null;
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("pom.xml"))) {
                root = p;
            }
        }
        return root;
    }
}
