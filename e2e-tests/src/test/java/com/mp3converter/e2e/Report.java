package com.mp3converter.e2e;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table the suites print at the end: what was tried, what was expected, what happened. */
final class Report {

    private final String title;
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    Report(String title, String... header) {
        this.title = title;
        this.header = List.of(header);
    }

    synchronized void row(Object... cells) {
        List<String> row = new ArrayList<>();
        for (Object cell : cells) {
            row.add(String.valueOf(cell));
        }
        rows.add(row);
    }

    synchronized String render() {
        int[] widths = new int[header.size()];
        for (List<String> row : withHeader()) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder("\n== ").append(title).append(" ==\n");
        for (List<String> row : withHeader()) {
            for (int i = 0; i < row.size(); i++) {
                out.append(String.format("%-" + widths[i] + "s", row.get(i))).append(i < row.size() - 1 ? " | " : "\n");
            }
        }
        return out.toString();
    }

    private List<List<String>> withHeader() {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        return all;
    }
}
