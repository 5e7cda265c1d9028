/** An application embedding attn4j, as a user's would. */
module io.attn4j.examples.app {
    requires io.attn4j.model;
}
