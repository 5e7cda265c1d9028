/** The {@code attn4j} command: {@code run}, {@code inspect}, {@code info} (and {@code bench} with the benchmarks jar). */
module io.attn4j.cli {
    requires io.attn4j.model;
    requires info.picocli;

    opens io.attn4j.cli to info.picocli;
}
