package io.attn4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Rows of text in aligned columns, two spaces apart; columns marked numeric are right-aligned. */
final class TextTable {
    private final boolean[] rightAligned;
    private final List<String[]> rows = new ArrayList<>();

    /** @param rightAligned one flag per column */
    TextTable(boolean... rightAligned) {
        this.rightAligned = rightAligned.clone();
    }

    TextTable row(String... cells) {
        if (cells.length != rightAligned.length) {
            throw new IllegalArgumentException(cells.length + " cells for " + rightAligned.length + " columns");
        }
        rows.add(cells.clone());
        return this;
    }

    void print(PrintWriter out, String indent) {
        int[] width = new int[rightAligned.length];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int c = 0; c < row.length; c++) {
                String pad = " ".repeat(width[c] - row[c].length());
                line.append(c == 0 ? "" : "  ")
                        .append(rightAligned[c] ? pad + row[c] : row[c] + (c == row.length - 1 ? "" : pad));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
