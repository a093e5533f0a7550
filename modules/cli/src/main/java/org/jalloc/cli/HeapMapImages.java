package org.jalloc.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

/**
 * Draws a {@link HeapPicture} as a PNG (Java2D and ImageIO, in the JDK) or as SVG text, on one geometry:
 * <pre>
 *   +------------------------------------------------------------+
 *   | legend lines (allocator, trace, op, utilization, frag.)    |  TOP = 18 px per line, the scale line,
 *   | what a cell is                                             |  and the colour key row
 *   | [■] allocated [■] free [■] metadata ... [□] largest free   |
 *   +----------+-------------------------------------------------+
 *   | 0x001000 | cell cell cell ... (512 cells, 2 px wide)       |  one row: ROW_H = 6 px (5 px cells, 1 px gap)
 *   |          | ...                                             |
 *   +----------+-------------------------------------------------+
 *     LEFT = 96
 * </pre>
 * Cell {@code c} is the {@link #CELL_W} x {@code ROW_H - 1} rectangle at ({@link #cellX}, {@link #cellY}); the
 * largest free block is outlined as one region (see {@link #outline}), so the middle line of each of its cells keeps
 * the free colour.
 */
final class HeapMapImages {
    private HeapMapImages() {}

    static final int LEFT = 96;
    static final int CELL_W = 2;
    static final int ROW_H = 6;
    static final int LINE_H = 18;
    static final int RIGHT = 16;

    /** Legend lines, then the scale line, then the colour key. */
    static int top(HeapPicture p) {
        return 10 + LINE_H * (p.legend().size() + 1) + 28;
    }

    /** The y of the colour key's row. */
    static int keyY(HeapPicture p) {
        return 10 + LINE_H * (p.legend().size() + 1);
    }

    /** Horizontal room for one entry of the colour key. */
    static final int KEY_W = 136;

    static int width() {
        return LEFT + HeapPicture.COLUMNS * CELL_W + RIGHT;
    }

    static int height(HeapPicture p) {
        return top(p) + p.rows() * ROW_H + 10;
    }

    static int cellX(int cell) {
        return LEFT + (cell % HeapPicture.COLUMNS) * CELL_W;
    }

    static int cellY(HeapPicture p, int cell) {
        return top(p) + (cell / HeapPicture.COLUMNS) * ROW_H;
    }

    /** A row segment of equal cells: [from, to) cells of one row, one kind. */
    private record Run(int from, int to, byte kind) {}

    private static List<Run> runs(HeapPicture p) {
        List<Run> runs = new ArrayList<>();
        byte[] k = p.kinds();
        int c = 0;
        while (c < k.length) {
            int rowEnd = Math.min(k.length, (c / HeapPicture.COLUMNS + 1) * HeapPicture.COLUMNS);
            int d = c + 1;
            while (d < rowEnd && k[d] == k[c]) {
                d++;
            }
            runs.add(new Run(c, d, k[c]));
            c = d;
        }
        return runs;
    }

    /**
     * The outline of the largest free block's cells as horizontal and vertical lines {x0, y0, x1, y1} (pixels): a
     * cell's top edge where the cell above is not in the block, its bottom edge where the cell below is not, and the
     * two sides of every row segment, so a block over many rows is one outlined region.
     */
    private static List<int[]> outline(HeapPicture p) {
        List<int[]> lines = new ArrayList<>();
        if (p.largestSize() <= 0) {
            return lines;
        }
        long s = Math.max(p.largestStart(), p.start());
        long e = Math.min(p.largestStart() + p.largestSize(), p.end()) - 1;
        int first = p.cellOf(s);
        int last = p.cellOf(e);
        if (first < 0 || last < 0) {
            return lines;
        }
        int cols = HeapPicture.COLUMNS;
        int c = first;
        while (c <= last) {
            int segEnd = Math.min(last + 1, (c / cols + 1) * cols); // exclusive
            int y0 = cellY(p, c);
            int y1 = y0 + ROW_H - 2;
            int topTo = Math.min(segEnd, first + cols);     // cells of the segment with nothing above in the block
            if (topTo > c) {
                lines.add(new int[] {cellX(c), y0, cellX(topTo - 1) + CELL_W - 1, y0});
            }
            int bottomFrom = Math.max(c, last - cols + 1);  // cells with nothing below in the block
            if (bottomFrom < segEnd) {
                lines.add(new int[] {cellX(bottomFrom), y1, cellX(segEnd - 1) + CELL_W - 1, y1});
            }
            lines.add(new int[] {cellX(c), y0, cellX(c), y1});
            lines.add(new int[] {cellX(segEnd - 1) + CELL_W - 1, y0, cellX(segEnd - 1) + CELL_W - 1, y1});
            c = segEnd;
        }
        return lines;
    }

    private static String addressLabel(HeapPicture p, int row) {
        return String.format(Locale.ROOT, "0x%08x", p.start() + (long) row * HeapPicture.COLUMNS * p.bytesPerCell());
    }

    private static String keyText(int kind) {
        return HeapPicture.NAMES.get(kind);
    }

    /** The line under the legend: what a cell is. */
    static String scaleLine(HeapPicture p) {
        return String.format(Locale.ROOT, "addresses left to right, top to bottom: one cell = %d bytes, one row = %,d bytes; outlined in red: the largest free block (%,d bytes)",
                p.bytesPerCell(), p.bytesPerCell() * HeapPicture.COLUMNS, p.largestSize());
    }

    /**
     * Writes the PNG. Text needs fonts: where the JDK finds none (a bare container), the picture is drawn without
     * its text and the returned warning says so; otherwise the warning is empty.
     */
    static String writePng(HeapPicture p, OutputStream out) throws IOException {
        BufferedImage img = new BufferedImage(width(), height(p), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            for (Run r : runs(p)) {
                g.setColor(new Color(HeapPicture.COLOURS[r.kind()]));
                g.fillRect(cellX(r.from()), cellY(p, r.from()), (r.to() - r.from()) * CELL_W, ROW_H - 1);
            }
            g.setColor(new Color(HeapPicture.OUTLINE));
            for (int[] l : outline(p)) {
                g.drawLine(l[0], l[1], l[2], l[3]);
            }
            int keyY = keyY(p);
            int x = 10;
            for (int k = 0; k < HeapPicture.NAMES.size(); k++) {
                g.setColor(new Color(HeapPicture.COLOURS[k]));
                g.fillRect(x, keyY + 2, 12, 12);
                g.setColor(Color.DARK_GRAY);
                g.drawRect(x, keyY + 2, 12, 12);
                x += KEY_W;
            }
            g.setColor(new Color(HeapPicture.OUTLINE));
            g.setStroke(new BasicStroke(1));
            g.drawRect(x, keyY + 2, 12, 12);
            String warning = "";
            try {
                drawText(g, p, keyY);
            } catch (RuntimeException | LinkageError | java.awt.AWTError e) {
                warning = "no fonts available to Java2D (" + e.getClass().getSimpleName() + "): the PNG has no text; the SVG has all of it";
            }
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer in this JDK");
            }
            return warning;
        } finally {
            g.dispose();
        }
    }

    private static void drawText(Graphics2D g, HeapPicture p, int keyY) {
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        int y = 10;
        for (String line : p.legend()) {
            g.drawString(line, 10, y + 13);
            y += LINE_H;
        }
        g.drawString(scaleLine(p), 10, y + 13);
        int x = 10;
        for (int k = 0; k < HeapPicture.NAMES.size(); k++) {
            g.drawString(keyText(k), x + 17, keyY + 13);
            x += KEY_W;
        }
        g.drawString("largest free block", x + 17, keyY + 13);
        g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 10));
        g.setColor(Color.DARK_GRAY);
        for (int row = 0; row < p.rows(); row += 8) {
            g.drawString(addressLabel(p, row), 6, top(p) + row * ROW_H + 8);
        }
    }

    /** The SVG text: the same geometry, legend text as {@code <text>} elements. */
    static String svg(HeapPicture p) {
        StringBuilder sb = new StringBuilder(64 * 1024);
        int w = width();
        int h = height(p);
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">\n",
                w, h, w, h));
        sb.append("<title>").append(xml(String.join(" | ", p.legend()))).append("</title>\n");
        sb.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w, h));
        sb.append("<g font-family=\"sans-serif\" font-size=\"13\" fill=\"#000000\">\n");
        int y = 10;
        for (String line : p.legend()) {
            sb.append(String.format(Locale.ROOT, "<text class=\"legend\" x=\"10\" y=\"%d\">%s</text>\n", y + 13, xml(line)));
            y += LINE_H;
        }
        sb.append(String.format(Locale.ROOT, "<text class=\"scale\" x=\"10\" y=\"%d\">%s</text>\n", y + 13, xml(scaleLine(p))));
        int keyY = keyY(p);
        int x = 10;
        for (int k = 0; k < HeapPicture.NAMES.size(); k++) {
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\" stroke=\"#404040\"/>", x, keyY + 2, hex(HeapPicture.COLOURS[k])));
            sb.append(String.format(Locale.ROOT, "<text class=\"key\" x=\"%d\" y=\"%d\">%s</text>\n", x + 17, keyY + 13, xml(keyText(k))));
            x += KEY_W;
        }
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"none\" stroke=\"%s\"/>", x, keyY + 2, hex(HeapPicture.OUTLINE)));
        sb.append(String.format(Locale.ROOT, "<text class=\"key\" x=\"%d\" y=\"%d\">largest free block</text>\n", x + 17, keyY + 13));
        sb.append("</g>\n<g font-family=\"monospace\" font-size=\"10\" fill=\"#404040\">\n");
        for (int row = 0; row < p.rows(); row += 8) {
            sb.append(String.format(Locale.ROOT, "<text x=\"6\" y=\"%d\">%s</text>\n", top(p) + row * ROW_H + 8, addressLabel(p, row)));
        }
        sb.append("</g>\n<g class=\"cells\">\n");
        for (Run r : runs(p)) {
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
                    cellX(r.from()), cellY(p, r.from()), (r.to() - r.from()) * CELL_W, ROW_H - 1, hex(HeapPicture.COLOURS[r.kind()])));
        }
        sb.append("</g>\n<g class=\"largest-free\" fill=\"none\" stroke=\"").append(hex(HeapPicture.OUTLINE)).append("\" stroke-width=\"1\">\n");
        StringBuilder d = new StringBuilder();
        for (int[] l : outline(p)) {
            d.append(String.format(Locale.ROOT, "M%.1f %.1fL%.1f %.1f", l[0] + 0.5, l[1] + 0.5, l[2] + 0.5, l[3] + 0.5));
        }
        if (!d.isEmpty()) {
            sb.append("<path d=\"").append(d).append("\"/>\n");
        }
        sb.append("</g>\n</svg>\n");
        return sb.toString();
    }

    static String hex(int rgb) {
        return String.format(Locale.ROOT, "#%06x", rgb);
    }

    static String xml(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(c < 0x20 ? ' ' : c);
            }
        }
        return sb.toString();
    }
}
