package io.attn4j.bench.suite;

import io.attn4j.bench.suite.Workloads.Workload;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's charts, as PNG through JFreeChart, rendered headless: the rate of every
 * implementation per workload ({@code rates-<op>.png}), attn4j and its peers under the roofline
 * ({@code roofline.png}), and what each vector width buys attn4j ({@code widths.png}).
 */
final class Charts {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;

    private Charts() {
    }

    /**
     * Writes the charts of {@code results} (the main run) and {@code widths} (every width's run)
     * into {@code dir} and returns their paths.
     *
     * @throws UncheckedIOException if a file cannot be written
     */
    static List<Path> write(Path dir, Roofline roofline, List<Result> results, Map<Integer, List<Result>> widths,
            int preferredBits) {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        int lanes = preferredBits / Float.SIZE;
        List<Path> files = new ArrayList<>();
        Map<String, DefaultCategoryDataset> byOp = new LinkedHashMap<>();
        Map<String, String> units = new LinkedHashMap<>();
        for (List<Result> group : MarkdownReport.groups(results)) {
            for (Result r : group) {
                if (r.op().equals("limit")) {
                    continue;
                }
                Optional<Workload> w = Workloads.of(r.op(), r.impl(), r.params(), lanes);
                if (w.isPresent()) {
                    byOp.computeIfAbsent(r.op(), k -> new DefaultCategoryDataset())
                            .addValue(r.threads() * w.get().rate(r.seconds()), r.impl(), r.paramText());
                    units.put(r.op(), w.get().rateUnit());
                }
            }
        }
        for (Map.Entry<String, DefaultCategoryDataset> op : byOp.entrySet()) {
            JFreeChart chart = ChartFactory.createBarChart(
                    op.getKey() + ": " + units.get(op.getKey()) + " per implementation (higher is better)",
                    "parameters", units.get(op.getKey()), op.getValue());
            files.add(save(chart, dir.resolve("rates-" + op.getKey() + ".png")));
        }
        rooflineChart(roofline, results, lanes).ifPresent(chart -> files.add(save(chart, dir.resolve("roofline.png"))));
        if (widths.size() > 1) {
            files.add(save(widthChart(widths), dir.resolve("widths.png")));
        }
        return files;
    }

    /**
     * Achieved GFLOP/s against arithmetic intensity, log-log, under the roof
     * {@code min(peak, intensity * bandwidth)}; workloads whose flops are not counted, and calls on
     * several threads, are left out.
     */
    private static Optional<JFreeChart> rooflineChart(Roofline roofline, List<Result> results, int lanes) {
        if (Double.isNaN(roofline.peakGflops()) || Double.isNaN(roofline.bandwidthGbs())) {
            return Optional.empty();
        }
        XYSeriesCollection data = new XYSeriesCollection();
        XYSeries roof = new XYSeries("roofline", true);
        for (double ai = 1.0 / 16; ai <= 4096; ai *= 2) {
            roof.add(ai, Math.min(roofline.peakGflops(), ai * roofline.bandwidthGbs()));
        }
        roof.add(roofline.ridge(), roofline.peakGflops());
        data.addSeries(roof);
        Map<String, XYSeries> byImpl = new LinkedHashMap<>();
        for (List<Result> group : MarkdownReport.groups(results)) {
            for (Result r : group) {
                Optional<Workload> w = Workloads.of(r.op(), r.impl(), r.params(), lanes);
                // calls on several threads are left out: the roof drawn is the measured one, not theirs
                if (w.isPresent() && w.get().flops() > 0 && w.get().bytes() > 0 && w.get().callThreads() == 1
                        && !r.op().equals("limit")) {
                    byImpl.computeIfAbsent(r.impl(), k -> new XYSeries(k, false, true))
                            .add(w.get().intensity(), r.threads() * w.get().flops() / r.seconds() / 1e9);
                }
            }
        }
        byImpl.values().forEach(data::addSeries);
        JFreeChart chart = ChartFactory.createScatterPlot("Roofline: measured peak and read bandwidth of this run",
                "FLOP/byte", "GFLOP/s", data);
        XYPlot plot = chart.getXYPlot();
        plot.setDomainAxis(decades("FLOP/byte (arithmetic intensity)"));
        plot.setRangeAxis(decades("GFLOP/s"));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
        renderer.setSeriesLinesVisible(0, true);
        renderer.setSeriesShapesVisible(0, false);
        renderer.setSeriesPaint(0, Color.DARK_GRAY);
        renderer.setSeriesStroke(0, new BasicStroke(2f));
        plot.setRenderer(renderer);
        return Optional.of(chart);
    }

    /** attn4j's speed at each width relative to the narrowest, per workload; and the FMA peak's. */
    private static JFreeChart widthChart(Map<Integer, List<Result>> widths) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        Map<String, Double> narrowest = new LinkedHashMap<>();
        for (Map.Entry<Integer, List<Result>> width : widths.entrySet()) {
            for (Result r : width.getValue()) {
                if (r.impl().equals("attn4j") || r.op().equals("limit") && r.impl().equals("fma")) {
                    String key = r.op().equals("limit") ? "FMA peak" : r.op() + " " + r.paramText();
                    // time per call, except the FMA peak, whose work per call grows with the width
                    double speed = r.op().equals("limit") ? width.getKey() / r.seconds() : 1 / r.seconds();
                    double base = narrowest.computeIfAbsent(key, k -> speed);
                    data.addValue(speed / base, width.getKey() + " bits", key);
                }
            }
        }
        JFreeChart chart = ChartFactory.createBarChart("attn4j speed per vector width, relative to the narrowest",
                "workload", "speed-up", data);
        chart.getCategoryPlot().getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        return chart;
    }

    /** A log axis with a tick per decade, labelled in plain numbers. */
    private static LogAxis decades(String label) {
        LogAxis axis = new LogAxis(label);
        axis.setTickUnit(new NumberTickUnit(1));
        axis.setNumberFormatOverride(new DecimalFormat("#,##0.####", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        return axis;
    }

    private static Path save(JFreeChart chart, Path file) {
        chart.getPlot().setBackgroundPaint(Color.WHITE);
        try {
            ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
