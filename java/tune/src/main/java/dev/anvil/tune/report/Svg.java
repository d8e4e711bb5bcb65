package dev.anvil.tune.report;

import java.util.Locale;

/** A small SVG canvas with a plotting area and linear or log axes; text is escaped. */
final class Svg {
    static final int WIDTH = 760, HEIGHT = 320, LEFT = 70, RIGHT = 20, TOP = 20, BOTTOM = 40;
    private final StringBuilder sb = new StringBuilder();
    private final int width, height;

    Svg(int width, int height) {
        this.width = width;
        this.height = height;
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">\n", width, height, width, height));
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    Svg line(double x1, double y1, double x2, double y2, String stroke, double width) {
        sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"/>\n", x1, y1, x2, y2,
                stroke, width));
        return this;
    }

    Svg polyline(double[] xs, double[] ys, String stroke, double width, double opacity, String title) {
        StringBuilder pts = new StringBuilder();
        for (int i = 0; i < xs.length; i++) pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", xs[i], ys[i]));
        sb.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" stroke-opacity=\"%.2f\">", pts,
                stroke, width, opacity));
        if (title != null) sb.append("<title>").append(esc(title)).append("</title>");
        sb.append("</polyline>\n");
        return this;
    }

    Svg circle(double x, double y, double r, String fill, String title) {
        sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\">", x, y, r, fill));
        if (title != null) sb.append("<title>").append(esc(title)).append("</title>");
        sb.append("</circle>\n");
        return this;
    }

    Svg rect(double x, double y, double w, double h, String fill, String title) {
        sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">", x, y, w, h, fill));
        if (title != null) sb.append("<title>").append(esc(title)).append("</title>");
        sb.append("</rect>\n");
        return this;
    }

    Svg text(double x, double y, String text, String anchor) {
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>\n", x, y, anchor, esc(text)));
        return this;
    }

    int width() {
        return width;
    }

    int height() {
        return height;
    }

    @Override
    public String toString() {
        return sb + "</svg>\n";
    }

    /** Maps [lo, hi] onto [a, b], on a log scale when {@code log}. */
    record Scale(double lo, double hi, double a, double b, boolean log) {
        static Scale of(double lo, double hi, double a, double b, boolean log) {
            if (hi <= lo) {
                double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
                lo -= pad;
                hi += pad;
            }
            return new Scale(lo, hi, a, b, log);
        }

        double map(double v) {
            double t = log ? (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (v - lo) / (hi - lo);
            return a + t * (b - a);
        }

        String label(double v) {
            return String.format(Locale.ROOT, "%.4g", v);
        }
    }
}
