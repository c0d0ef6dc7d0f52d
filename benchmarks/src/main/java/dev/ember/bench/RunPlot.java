package dev.ember.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Pictures of a training run, drawn with Java2D (no dependency): named series of (x, y) points, grouped into panels
 * stacked over one shared x axis (for example "loss" holding "train loss" and "val loss", "accuracy", "images/s"),
 * each panel with its own y axis, ticks, grid and legend. {@link #writePng} draws it; {@link #writeCsv} writes the same
 * points as CSV ({@code panel,series,x,y}).
 * <pre>
 * RunPlot plot = new RunPlot("LeNet on Fashion-MNIST", "epoch");
 * plot.add("loss", "train loss", 0.25, 0.61);
 * plot.add("accuracy", "test accuracy", 1, 0.87);
 * plot.writePng(Path.of("run.png"), 1000, 900);
 * </pre>
 * Not thread-safe: a training loop records from one thread.
 */
public final class RunPlot {
    /** Colors of a panel's series, in order (Tableau's first six: distinct and readable in grey). */
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};
    /** Series with at most this many points also get a marker at each point. */
    private static final int MARKERS_UP_TO = 40;

    private final String title;
    private final String xLabel;
    /** panel name (its y-axis label) -> series name -> points. */
    private final Map<String, Map<String, Series>> panels = new LinkedHashMap<>();
    /** A fixed x range, or null to fit the data. */
    private double[] xRange;

    /** A named list of points. */
    private static final class Series {
        final List<double[]> points = new ArrayList<>();
    }

    /**
     * An empty plot.
     *
     * @param title the line written above the panels
     * @param xLabel the shared x axis's label, for example {@code epoch}
     */
    public RunPlot(String title, String xLabel) {
        this.title = title;
        this.xLabel = xLabel;
    }

    /**
     * Creates an empty panel now, so that panels stack in the order they are declared rather than first used.
     *
     * @param name the panel's name (its y-axis label)
     * @return this plot
     */
    public RunPlot panel(String name) {
        panels.computeIfAbsent(name, k -> new LinkedHashMap<>());
        return this;
    }

    /**
     * Fixes the x axis's range (for example {@code 0} to the number of epochs) instead of fitting it to the data.
     *
     * @param lo the left end
     * @param hi the right end, greater than {@code lo}
     * @return this plot
     */
    public RunPlot xRange(double lo, double hi) {
        if (!(hi > lo)) {
            throw new IllegalArgumentException("xRange needs lo < hi, got " + lo + " and " + hi);
        }
        xRange = new double[] {lo, hi};
        return this;
    }

    /**
     * Adds a point to a series, creating its panel and the series on first use (panels stack in the order they first
     * appear). Non-finite values are kept in the CSV and skipped in the picture.
     *
     * @param panel the panel, named by its y-axis label
     * @param series the series, named in the panel's legend
     * @param x the point's x value (shared by all panels)
     * @param y the point's y value
     */
    public void add(String panel, String series, double x, double y) {
        panels.computeIfAbsent(panel, k -> new LinkedHashMap<>()).computeIfAbsent(series, k -> new Series())
                .points.add(new double[] {x, y});
    }

    /**
     * Whether no point was added.
     *
     * @return true for an empty plot
     */
    public boolean isEmpty() {
        return panels.isEmpty();
    }

    /**
     * Writes every point as CSV with a header: {@code panel,series,x,y}, in the order they were added per series.
     *
     * @param file the file to (over)write
     * @throws IOException when it cannot be written
     */
    public void writeCsv(Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("panel,series," + csv(xLabel) + ",y\n");
            for (Map.Entry<String, Map<String, Series>> p : panels.entrySet()) {
                for (Map.Entry<String, Series> s : p.getValue().entrySet()) {
                    for (double[] pt : s.getValue().points) {
                        w.write(csv(p.getKey()) + "," + csv(s.getKey()) + "," + number(pt[0]) + "," + number(pt[1]) + "\n");
                    }
                }
            }
        }
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static String number(double v) {
        return Double.isFinite(v) && v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
                : Double.toString(v);
    }

    /**
     * Draws the panels into a PNG of the given size.
     *
     * @param file the file to (over)write
     * @param width the image's width in pixels (at least 300)
     * @param height the image's height in pixels (at least 100 per panel plus 120)
     * @throws IOException when it cannot be written
     */
    public void writePng(Path file, int width, int height) throws IOException {
        BufferedImage image = render(width, height);
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer in this JVM");
        }
    }

    /**
     * Draws the panels into an image.
     *
     * @param width the image's width in pixels (at least 300)
     * @param height the image's height in pixels (at least 100 per panel plus 120)
     * @return the picture
     */
    public BufferedImage render(int width, int height) {
        int count = Math.max(1, panels.size());
        if (width < 300 || height < 120 + 100 * count) {
            throw new IllegalArgumentException("a plot of " + count + " panels needs at least 300 x " + (120 + 100 * count)
                    + " pixels, got " + width + " x " + height);
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            Font text = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
            Font bold = new Font(Font.SANS_SERIF, Font.BOLD, 16);
            g.setColor(Color.BLACK);
            g.setFont(bold);
            FontMetrics bm = g.getFontMetrics();
            g.drawString(title, (width - bm.stringWidth(title)) / 2, 12 + bm.getAscent());
            g.setFont(text);
            if (panels.isEmpty()) {
                g.drawString("no data", width / 2 - 25, height / 2);
                return image;
            }
            double[] xr = xRange != null ? xRange.clone() : range(true, null);
            double[] xTicks = ticks(xr[0], xr[1], Math.max(3, (width - 160) / 90));
            xr = new double[] {Math.min(xr[0], xTicks[0]), Math.max(xr[1], xTicks[xTicks.length - 1])};
            int left = 88;
            int right = width - 24;
            int top = 44;
            int bottom = height - 52;
            int gap = 34;
            int panelHeight = (bottom - top - gap * (count - 1)) / count;
            int i = 0;
            for (Map.Entry<String, Map<String, Series>> p : panels.entrySet()) {
                int y0 = top + i * (panelHeight + gap);
                boolean last = i == count - 1;
                drawPanel(g, p.getKey(), p.getValue(), left, y0, right - left, panelHeight, xr, xTicks, last);
                i++;
            }
            FontMetrics fm = g.getFontMetrics();
            g.setColor(Color.BLACK);
            g.drawString(xLabel, left + (right - left - fm.stringWidth(xLabel)) / 2, height - 12);
        } finally {
            g.dispose();
        }
        return image;
    }

    private void drawPanel(Graphics2D g, String name, Map<String, Series> series, int x0, int y0, int w, int h,
                           double[] xr, double[] xTicks, boolean xLabels) {
        double[] yr = range(false, series);
        double[] yTicks = ticks(yr[0], yr[1], Math.max(3, h / 45));
        yr = new double[] {Math.min(yr[0], yTicks[0]), Math.max(yr[1], yTicks[yTicks.length - 1])};
        FontMetrics fm = g.getFontMetrics();
        // grid and ticks
        g.setStroke(new BasicStroke(1f));
        for (double t : xTicks) {
            int px = (int) Math.round(x0 + (t - xr[0]) / (xr[1] - xr[0]) * w);
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(px, y0, px, y0 + h);
            g.setColor(Color.DARK_GRAY);
            g.drawLine(px, y0 + h, px, y0 + h + 4);
            if (xLabels) {
                String s = label(t, xTicks);
                g.drawString(s, px - fm.stringWidth(s) / 2, y0 + h + 6 + fm.getAscent());
            }
        }
        for (double t : yTicks) {
            int py = (int) Math.round(y0 + h - (t - yr[0]) / (yr[1] - yr[0]) * h);
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(x0, py, x0 + w, py);
            g.setColor(Color.DARK_GRAY);
            g.drawLine(x0 - 4, py, x0, py);
            String s = label(t, yTicks);
            g.drawString(s, x0 - 7 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(x0, y0, w, h);
        // the y-axis label, rotated
        Graphics2D r = (Graphics2D) g.create();
        r.rotate(-Math.PI / 2);
        r.setColor(Color.BLACK);
        r.drawString(name, -(y0 + (h + fm.stringWidth(name)) / 2), 18 + fm.getAscent());
        r.dispose();
        // the series
        Graphics2D clip = (Graphics2D) g.create();
        clip.clipRect(x0 - 4, y0 - 4, w + 9, h + 9);
        int c = 0;
        for (Series s : series.values()) {
            clip.setColor(COLORS[c++ % COLORS.length]);
            clip.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            Path2D.Double line = new Path2D.Double();
            boolean open = false;
            for (double[] pt : s.points) {
                if (!Double.isFinite(pt[0]) || !Double.isFinite(pt[1])) {
                    open = false; // a gap where a value is missing
                    continue;
                }
                double px = x0 + (pt[0] - xr[0]) / (xr[1] - xr[0]) * w;
                double py = y0 + h - (pt[1] - yr[0]) / (yr[1] - yr[0]) * h;
                if (open) {
                    line.lineTo(px, py);
                } else {
                    line.moveTo(px, py);
                    open = true;
                }
                if (s.points.size() <= MARKERS_UP_TO) {
                    clip.fill(new java.awt.geom.Ellipse2D.Double(px - 3.5, py - 3.5, 7, 7));
                }
            }
            clip.draw(line);
        }
        clip.dispose();
        if (series.isEmpty()) {
            return;
        }
        // legend, on white, in the inside corner that covers the fewest points (ties: top right first)
        int lineHeight = fm.getHeight();
        int legendWidth = 0;
        for (String s : series.keySet()) {
            legendWidth = Math.max(legendWidth, fm.stringWidth(s));
        }
        legendWidth += 40;
        int legendHeight = lineHeight * series.size() + 8;
        int[][] corners = {{x0 + w - legendWidth - 8, y0 + 8}, {x0 + 8, y0 + 8}, {x0 + w - legendWidth - 8,
                y0 + h - legendHeight - 8}, {x0 + 8, y0 + h - legendHeight - 8}};
        int lx = corners[0][0];
        int ly = corners[0][1];
        long fewest = Long.MAX_VALUE;
        for (int[] corner : corners) {
            long covered = 0;
            for (Series s : series.values()) {
                double[] prev = null;
                for (double[] pt : s.points) {
                    if (!Double.isFinite(pt[0]) || !Double.isFinite(pt[1])) {
                        prev = null;
                        continue;
                    }
                    double px = x0 + (pt[0] - xr[0]) / (xr[1] - xr[0]) * w;
                    double py = y0 + h - (pt[1] - yr[0]) / (yr[1] - yr[0]) * h;
                    // the point and the segment's midpoint from the previous one (lines count, not only markers)
                    covered += inside(px, py, corner, legendWidth, legendHeight);
                    if (prev != null) {
                        covered += inside((px + prev[0]) / 2, (py + prev[1]) / 2, corner, legendWidth, legendHeight);
                    }
                    prev = new double[] {px, py};
                }
            }
            if (covered < fewest) {
                fewest = covered;
                lx = corner[0];
                ly = corner[1];
            }
        }
        g.setColor(new Color(255, 255, 255, 225));
        g.fillRect(lx, ly, legendWidth, legendHeight);
        g.setColor(Color.GRAY);
        g.drawRect(lx, ly, legendWidth, legendHeight);
        c = 0;
        for (String s : series.keySet()) {
            int yy = ly + 4 + c * lineHeight + lineHeight / 2;
            g.setColor(COLORS[c % COLORS.length]);
            g.setStroke(new BasicStroke(2f));
            g.drawLine(lx + 6, yy, lx + 28, yy);
            g.setColor(Color.BLACK);
            g.drawString(s, lx + 34, yy + fm.getAscent() / 2 - 1);
            c++;
        }
    }

    private static int inside(double px, double py, int[] corner, int width, int height) {
        return px >= corner[0] - 4 && px <= corner[0] + width + 4 && py >= corner[1] - 4 && py <= corner[1] + height + 4
                ? 1 : 0;
    }

    /** The finite range of x (over every series) or of y (over one panel's), widened where it is a single value. */
    private double[] range(boolean x, Map<String, Series> only) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Map<String, Series> panel : only != null ? List.of(only) : panels.values()) {
            for (Series s : panel.values()) {
                for (double[] pt : s.points) {
                    double v = pt[x ? 0 : 1];
                    if (Double.isFinite(v) && Double.isFinite(pt[x ? 1 : 0])) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
        }
        if (lo > hi) {
            return new double[] {0, 1};
        }
        if (lo == hi) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            return new double[] {lo - pad, hi + pad};
        }
        if (!x) {
            double pad = (hi - lo) * 0.04;
            return new double[] {lo - pad, hi + pad};
        }
        return new double[] {lo, hi};
    }

    /** About {@code want} round tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi]. */
    static double[] ticks(double lo, double hi, int want) {
        double step = niceStep((hi - lo) / Math.max(1, want));
        double first = Math.floor(lo / step + 1e-9) * step;
        double last = Math.ceil(hi / step - 1e-9) * step;
        int n = (int) Math.round((last - first) / step) + 1;
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = first + i * step;
            if (Math.abs(t[i]) < step * 1e-9) {
                t[i] = 0; // no "-0" or 1e-17 labels
            }
        }
        return t;
    }

    private static double niceStep(double raw) {
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    }

    /** A tick's label with as many decimals as the ticks' spacing needs; large values in thousands (k). */
    private static String label(double v, double[] ticks) {
        double step = ticks.length > 1 ? ticks[1] - ticks[0] : Math.abs(v);
        double max = Math.max(Math.abs(ticks[0]), Math.abs(ticks[ticks.length - 1]));
        if (max >= 10_000 && step >= 1000) {
            return label(v / 1000, new double[] {ticks[0] / 1000, ticks[0] / 1000 + step / 1000}) + "k";
        }
        int decimals = step >= 1 || step == 0 ? 0 : (int) Math.ceil(-Math.log10(step) - 1e-9);
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
