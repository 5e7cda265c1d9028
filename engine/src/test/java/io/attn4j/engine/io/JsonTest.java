package io.attn4j.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.internal.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesTheValuesHeadersUse() {
        Object v = Json.parse(" {\"a\": [1, -2.5e3, \"x\\u0041\\n\"], \"b\": {\"c\": true, \"d\": null}} ");
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("c", true);
        inner.put("d", null);
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", List.of(1L, -2500.0, "xA\n"));
        expected.put("b", inner);
        assertEquals(expected, v);
    }

    @Test
    void writeThenParseGivesTheSameValue() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("name \"q\"\\\t\u0001", List.of(0L, Long.MIN_VALUE, 0.1, -1.0e-300, "é"));
        value.put("empty", Map.of());
        value.put("flag", false);
        assertEquals(value, Json.parse(Json.write(value)));
    }

    @Test
    void rejectsWhatAHostileHeaderMightHold() {
        for (String bad : List.of("{\"a\":1,\"a\":2}", "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1),
                "99999999999999999999", "1e999", "01x", "\"\\u12g4\"", "\"abc", "{\"a\" 1}", "[1,]", "tru", "1 2",
                "", "--1", "1.", ".5")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("JSON: "), e.getMessage());
        }
        String deepest = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertTrue(Json.parse(deepest) instanceof List<?>, "nesting of exactly MAX_DEPTH is accepted");
    }

    @Test
    void refusesToWriteWhatJsonCannotSay() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, 2)));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
    }
}
