package io.attn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.cells.CellType;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Strict parsing: each kind of mistake is an error naming the source and the key path; toJson round-trips. */
class ModelConfigTest {

    static String example() throws IOException {
        return SeedModelGoldenTest.exampleConfig();
    }

    @Test
    void readsTheContractsExample() throws IOException {
        ModelConfig c = ModelConfig.parse(example(), "config.json");
        assertEquals(32, c.inputSize());
        assertEquals(new ModelConfig.Encoder(CellType.LSTM, 64, 1, false, ModelConfig.Layout.PYTORCH, "lstm."),
                c.encoder());
        assertEquals(
                new ModelConfig.SelfAttention(new ModelConfig.Score(ModelConfig.ScoreKind.SCALED_DOT, null, null, "")),
                c.attention());
        assertEquals(ModelConfig.Pooling.MEAN, c.pooling());
        assertEquals(new ModelConfig.Dense("fc.weight", "fc.bias", ModelConfig.Activation.SIGMOID), c.head().get(0));
        assertEquals("LSTM(32 -> 64, 1 layer) -> scaled-dot self-attention (padding mask) -> masked mean"
                + " -> Linear(64 -> ?) + sigmoid", c.describe());
    }

    @Test
    void toJsonReadsBackToAnEqualConfig() throws IOException {
        String[] configs = {example(), SequenceModelPropertiesTest.config(
                "\"cell\": \"gru\", \"layout\": \"keras\", \"bidirectional\": true",
                "{\"kind\": \"pooling\", \"score\": \"cosine\", \"temperature\": 0.5, \"query\": \"q\"}", "attention",
                "\"head\": [{\"weight\": \"a\", \"activation\": \"relu\"}, {\"weight\": \"b\", \"bias\": \"c\", \"activation\": \"softmax\"}]"),
                SequenceModelPropertiesTest.config("\"cell\": \"rnn_relu\", \"num_layers\": 3",
                        "{\"kind\": \"multi_head\", \"num_heads\": 4, \"causal\": true}", "max",
                        "\"head\": [{\"weight\": \"a\", \"bias\": null, \"activation\": \"identity\"}]"),
                SequenceModelPropertiesTest.config("\"cell\": \"lstm\"",
                        "{\"kind\": \"self\", \"score\": \"additive\", \"prefix\": \"att.\"}", "last",
                        "\"head\": [{\"weight\": \"a\", \"activation\": \"tanh\"}]"),
                SequenceModelPropertiesTest.config("\"cell\": \"lstm\"",
                        "{\"kind\": \"self\", \"score\": \"scaled_dot\", \"scale\": 0.125}", "last",
                        "\"head\": [{\"weight\": \"a\", \"activation\": \"tanh\"}]")};
        for (String json : configs) {
            ModelConfig c = ModelConfig.parse(json.replace("$IN", "5").replace("$H", "8"), "test");
            assertEquals(c, ModelConfig.parse(c.toJson(), "toJson"), c.toJson());
        }
    }

    @Test
    void describesEachPart() {
        ModelConfig c = ModelConfig.parse(SequenceModelPropertiesTest.config(
                "\"cell\": \"gru\", \"bidirectional\": true,"
                        + " \"num_layers\": 2",
                "{\"kind\": \"multi_head\", \"num_heads\": 2, \"causal\": true}", "max",
                "\"head\": [{\"weight\": \"a\", \"activation\": \"relu\"}, {\"weight\": \"b\", \"activation\": \"softmax\"}]")
                .replace("$IN", "5").replace("$H", "8"), "test");
        assertEquals(
                "bidirectional GRU(5 -> 2x8, 2 layers) -> multi-head self-attention (2 heads, causal + padding mask)"
                        + " -> masked max -> Linear(16 -> 4) + relu -> Linear(4 -> 3) + softmax",
                c.describe(name -> name.equals("a") ? new long[]{4, 16} : new long[]{3, 4}));
    }

    /** Each row: a replacement applied to the example (old text | new text) and what the message must contain. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"hidden_size\": 64|\"hidden_size\": \"64\"|config.json: encoder.hidden_size: expected a positive integer, got \"64\"",
            "\"hidden_size\": 64|\"hidden_size\": 0|encoder.hidden_size: expected a positive integer up to 1048576, got 0",
            "\"hidden_size\": 64|\"hidden_size\": 6.5|encoder.hidden_size: expected a positive integer, got 6.5",
            "\"hidden_size\": 64|\"hiden_size\": 64|encoder.hidden_size: missing",
            "\"num_layers\": 1|\"num_layers\": 1, \"dropout\": 0.1|encoder.dropout: unknown key",
            "\"cell\": \"lstm\"|\"cell\": \"LSTM\"|encoder.cell: expected one of rnn_tanh, rnn_relu, lstm, gru, got \"LSTM\"",
            "\"layout\": \"pytorch\"|\"layout\": \"tf\"|encoder.layout: expected one of pytorch, keras, got \"tf\"",
            "\"bidirectional\": false|\"bidirectional\": \"no\"|encoder.bidirectional: expected true or false, got \"no\"",
            "\"prefix\": \"lstm.\"|\"prefix\": 3|encoder.prefix: expected a string, got 3",
            "\"format\": \"attn4j.sequence-model\"|\"format\": \"keras\"|format: expected \"attn4j.sequence-model\", got \"keras\"",
            "\"version\": 1|\"version\": 2|version: expected 1, got 2",
            "\"input_size\": 32,|\"input_size\": 32, \"inputs\": 3,|config.json: inputs: unknown key",
            "\"input_size\": 32,||input_size: missing",
            "\"pooling\": \"mean\"|\"pooling\": \"attention\"|pooling: \"attention\" pooling needs an attention of kind \"pooling\"",
            "\"pooling\": \"mean\"|\"pooling\": \"avg\"|pooling: expected one of mean, last, max, attention, got \"avg\"",
            "\"kind\": \"self\"|\"kind\": \"pooling\"|attention.query: missing",
            "\"kind\": \"self\"|\"kind\": \"cross\"|attention.kind: expected one of self, pooling, multi_head, got \"cross\"",
            "\"score\": \"scaled_dot\"|\"score\": \"dot\", \"scale\": 2|attention.scale: unknown key",
            "\"score\": \"scaled_dot\"|\"score\": \"cosine\", \"temperature\": -1|attention.temperature: expected a number > 0, got -1.0",
            "\"score\": \"scaled_dot\"|\"score\": \"scaled_dot\", \"scale\": \"big\"|attention.scale: expected a finite number, got \"big\"",
            "\"score\": \"scaled_dot\"|\"score\": \"dot\", \"prefix\": \"a.\"|attention.prefix: unknown key",
            "{\"kind\": \"self\", \"score\": \"scaled_dot\"}|{\"kind\": \"multi_head\", \"num_heads\": 5}|attention.num_heads: 5 heads do not divide the encoder's output size 64",
            "{\"kind\": \"self\", \"score\": \"scaled_dot\"}|[]|attention: expected an object, got an array",
            "\"activation\": \"sigmoid\"|\"activation\": \"gelu\"|head[0].activation: expected one of identity, sigmoid, softmax, tanh, relu, got \"gelu\"",
            "\"activation\": \"sigmoid\"|\"activation\": \"sigmoid\", \"use_bias\": true|head[0].use_bias: unknown key",
            "\"bias\": \"fc.bias\", |\"bias\": 1, |head[0].bias: expected a string, got 1",
            "\"weight\": \"fc.weight\", |\"weights\": \"fc.weight\", |head[0].weight: missing",
            "[{\"weight\": \"fc.weight\", \"bias\": \"fc.bias\", \"activation\": \"sigmoid\"}]|[]|head: expected a non-empty array of objects, got an array",
            "\"version\": 1,|\"version\": 1,,|config.json: not valid JSON"})
    void eachMistakeIsNamed(String old, String replacement, String expected) throws IOException {
        String text = example();
        assertTrue(text.contains(old), old);
        String json = text.replace(old, replacement == null ? "" : replacement);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.parse(json, "config.json"));
        assertTrue(e.getMessage().startsWith("config.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "message \"" + e.getMessage() + "\" lacks \"" + expected + "\"");
    }

    /** Absurd sizes are refused by the config, before any weight is read or memory allocated. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"hidden_size\": 64|\"hidden_size\": 10000000|encoder.hidden_size: expected a positive integer up to 1048576, got 10000000",
            "\"hidden_size\": 64|\"hidden_size\": 1048576|encoder: hidden_size 1048576 with input_size 32 makes a 4194304 x 1048576 weight matrix",
            "\"hidden_size\": 64|\"hidden_size\": 30000|encoder: hidden_size 30000 with input_size 32 makes a 120000 x 30000 weight matrix",
            "\"num_layers\": 1|\"num_layers\": 1000000000|encoder.num_layers: expected a positive integer up to 1048576, got 1000000000"})
    void absurdSizesAreRefused(String old, String replacement, String expected) throws IOException {
        eachMistakeIsNamed(old, replacement, expected);
    }

    @Test
    void absurdSizesMadeInCodeAreRefused() {
        ModelConfig.Encoder huge = new ModelConfig.Encoder(io.attn4j.cells.CellType.LSTM, 10_000_000, 1, false,
                ModelConfig.Layout.PYTORCH, "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelConfig(32, huge, null, ModelConfig.Pooling.MEAN,
                        java.util.List.of(new ModelConfig.Dense("w", null, ModelConfig.Activation.IDENTITY))));
        assertTrue(e.getMessage().contains("hidden_size 10000000"), e.getMessage());
    }

    @Test
    void kerasLayoutHasOneLayer() {
        String json = SequenceModelPropertiesTest
                .config("\"cell\": \"lstm\", \"layout\": \"keras\", \"num_layers\": 2", "null",
                        "mean", "\"head\": [{\"weight\": \"a\", \"activation\": \"identity\"}]")
                .replace("$IN", "3").replace("$H", "4");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.parse(json, "c"));
        assertEquals(
                "c: encoder.num_layers: a Keras recurrent layer has one layer, got 2 (stacked Keras layers are not supported)",
                e.getMessage());
    }
}
