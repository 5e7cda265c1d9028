package io.attn4j.engine.golden;

import io.attn4j.engine.internal.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code cases/manifest.json}: what each golden file should hold (name, kind, tensors). */
record GoldenManifest(List<Map<String, Object>> cases) {

    /** One expected tensor: name, dtype, shape. */
    record TensorSpec(String name, String dtype, List<Long> shape) {
    }

    @SuppressWarnings("unchecked")
    static GoldenManifest read() throws IOException {
        String json = Files.readString(GoldenCases.directory().resolve("cases/manifest.json"));
        Map<String, Object> root = (Map<String, Object>) Json.parse(json);
        return new GoldenManifest((List<Map<String, Object>>) root.get("cases"));
    }

    /** File names of the cases of {@code kind}, sorted. */
    List<String> filesOfKind(String kind) {
        return cases.stream().filter(c -> kind.equals(c.get("kind"))).map(c -> (String) c.get("file")).sorted()
                .toList();
    }

    @SuppressWarnings("unchecked")
    static List<TensorSpec> tensors(Map<String, Object> c) {
        List<TensorSpec> out = new ArrayList<>();
        for (Object t : (List<Object>) c.get("tensors")) {
            List<Object> fields = (List<Object>) t;
            out.add(new TensorSpec((String) fields.get(0), (String) fields.get(1), (List<Long>) fields.get(2)));
        }
        return out;
    }
}
