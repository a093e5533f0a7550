package org.jalloc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;

import org.jalloc.core.Allocator;
import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AllocatorFactory;
import org.jalloc.core.spi.AllocatorType;
import org.jalloc.core.walk.Inspection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * {@code ./jalloc heapmap} (issue 25): the pictures are read back (image size, the colours at the pixels of known
 * blocks, the legend text in the SVG), the frames and their page, every allocator, and where the peak is.
 */
class HeapMapCommandTest {
    @TempDir
    Path dir;

    /** Three 1 KiB-4 KiB blocks, the middle one freed: allocated, free, allocated, in address order. */
    private Path threeBlocks() throws IOException {
        Path t = dir.resolve("three.rep");
        Files.writeString(t, "20000\n3\n4\n1\na 0 1024\na 1 4096\na 2 1024\nf 1\n");
        return t;
    }

    /** The payloads the trace's first three ops get from a fresh first-fit heap (allocation is deterministic). */
    private static long[] payloads(String allocator) {
        try (Allocator a = AllocatorFactory.of(allocator, 256L << 20).create(Heap.reserve(256L << 20))) {
            return new long[] {a.malloc(1024), a.malloc(4096), a.malloc(1024), Inspection.of(a).heapWalk().walkStart(), Inspection.of(a).heapWalk().walkEnd()};
        }
    }

    private static int rgb(BufferedImage img, int x, int y) {
        return img.getRGB(x, y) & 0xffffff;
    }

    @Test
    void pngShowsKnownBlocksInTheirColoursAtTheirCells() throws IOException {
        Path png = dir.resolve("map.png");
        CliRun r = CliRun.of("heapmap", "--allocator", "first-fit", "--trace", threeBlocks().toString(), "--at", "end", "--out", png.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("\"afterOp\":4"), r.out());
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "a PNG ImageIO can read");
        long[] p = payloads("first-fit");
        long start = p[3];
        long end = p[4];
        long cell = HeapPicture.cellSizeFor(end - start);
        assertEquals(16, cell, "a few KiB heap: one cell per granule");
        int rows = (int) ((end - start + cell - 1) / cell + HeapPicture.COLUMNS - 1) / HeapPicture.COLUMNS;
        int top = 10 + HeapMapImages.LINE_H * 5 + 28;
        assertEquals(HeapMapImages.width(), img.getWidth());
        assertEquals(top + rows * HeapMapImages.ROW_H + 10, img.getHeight());
        // the middle line of a cell inside each block (away from the block's ends, where an outline may be)
        assertEquals(HeapPicture.COLOURS[HeapPicture.ALLOCATED], colourAt(img, start, cell, top, p[0] + 512));
        assertEquals(HeapPicture.COLOURS[HeapPicture.FREE], colourAt(img, start, cell, top, p[1] + 2048));
        assertEquals(HeapPicture.COLOURS[HeapPicture.ALLOCATED], colourAt(img, start, cell, top, p[2] + 512));
        // the guard page is not drawn: the walk starts at the heap start
        assertEquals(0xffffff, rgb(img, 2, top + 2), "the address column is white");
    }

    private static int colourAt(BufferedImage img, long start, long cell, int top, long address) {
        int c = (int) ((address - start) / cell);
        int x = HeapMapImages.LEFT + (c % HeapPicture.COLUMNS) * HeapMapImages.CELL_W;
        int y = top + (c / HeapPicture.COLUMNS) * HeapMapImages.ROW_H + 2;
        return rgb(img, x, y);
    }

    @Test
    void largestFreeBlockIsOutlined() throws IOException {
        Path png = dir.resolve("outline.png");
        // a0 1 KiB, a1 64 KiB freed: the 64 KiB hole is the largest free block by far
        Path t = dir.resolve("hole.rep");
        Files.writeString(t, "20000\n3\n4\n1\na 0 1024\na 1 65536\na 2 1024\nf 1\n");
        assertEquals(0, CliRun.of("heapmap", "--allocator", "first-fit", "--trace", t.toString(), "--at", "end", "--out", png.toString()).exit());
        BufferedImage img = ImageIO.read(png.toFile());
        try (Allocator a = AllocatorFactory.of("first-fit", 256L << 20).create(Heap.reserve(256L << 20))) {
            a.malloc(1024);
            long hole = a.malloc(65536);
            long start = Inspection.of(a).heapWalk().walkStart();
            int top = 10 + HeapMapImages.LINE_H * 5 + 28;
            // the free block's first cells: nothing of the block above them, so the top edge is outlined
            int c = (int) ((hole - start) / 16) + 1;
            int x = HeapMapImages.LEFT + (c % HeapPicture.COLUMNS) * HeapMapImages.CELL_W;
            int y = top + (c / HeapPicture.COLUMNS) * HeapMapImages.ROW_H;
            assertEquals(HeapPicture.OUTLINE, rgb(img, x, y), "top edge of the hole's first row");
            assertEquals(HeapPicture.COLOURS[HeapPicture.FREE], rgb(img, x, y + 2), "middle line keeps the free colour");
            // its last cells: nothing of it below, so the bottom edge is outlined
            int d = (int) ((hole + 65536 - 48 - start) / 16);
            int xd = HeapMapImages.LEFT + (d % HeapPicture.COLUMNS) * HeapMapImages.CELL_W;
            int yd = top + (d / HeapPicture.COLUMNS) * HeapMapImages.ROW_H;
            assertEquals(HeapPicture.OUTLINE, rgb(img, xd, yd + HeapMapImages.ROW_H - 2), "bottom edge of the hole's last row");
            assertEquals(HeapPicture.COLOURS[HeapPicture.FREE], rgb(img, xd, yd + 2));
            // a row in the middle of the hole has neither edge
            int m = (int) ((hole + 32768 - start) / 16);
            int xm = HeapMapImages.LEFT + (m % HeapPicture.COLUMNS) * HeapMapImages.CELL_W + 1;
            int ym = top + (m / HeapPicture.COLUMNS) * HeapMapImages.ROW_H;
            if (m % HeapPicture.COLUMNS != 0 && m % HeapPicture.COLUMNS != HeapPicture.COLUMNS - 1) {
                assertEquals(HeapPicture.COLOURS[HeapPicture.FREE], rgb(img, xm, ym), "no edge inside the region");
            }
        }
    }

    @Test
    void svgCarriesTheLegendAndTheCellsAsElements() throws Exception {
        Path svg = dir.resolve("map.svg");
        CliRun r = CliRun.of("heapmap", "--allocator", "buddy", "--trace", threeBlocks().toString(), "--at", "op=3", "--out", svg.toString());
        assertEquals(0, r.exit(), r.err());
        String text = Files.readString(svg);
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", d.getDocumentElement().getNodeName());
        NodeList texts = d.getElementsByTagName("text");
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < texts.getLength(); i++) {
            all.append(texts.item(i).getTextContent()).append('\n');
        }
        String legend = all.toString();
        assertTrue(legend.contains("allocator buddy   trace three.rep   after op 3 of 4 (op=3)"), legend);
        assertTrue(legend.contains("utilization "), legend);
        assertTrue(legend.contains("external fragmentation "), legend);
        for (String kind : List.of("allocated", "free", "metadata", "padding")) {
            assertTrue(legend.contains(kind + "\n"), "key for " + kind + " in " + legend);
        }
        assertTrue(text.contains("fill=\"" + HeapMapImages.hex(HeapPicture.COLOURS[HeapPicture.ALLOCATED]) + "\""), "allocated cells drawn");
        assertTrue(text.contains("fill=\"" + HeapMapImages.hex(HeapPicture.COLOURS[HeapPicture.FREE]) + "\""), "free cells drawn (buddy split halves)");
        assertTrue(Integer.parseInt(d.getDocumentElement().getAttribute("width")) == HeapMapImages.width());
    }

    @Test
    void framesWriteKPicturesOnOneScaleAndAPageThatNeedsNoNetwork() throws IOException {
        Path t = dir.resolve("grow.rep");
        StringBuilder sb = new StringBuilder("20000\n40\n40\n1\n");
        for (int i = 0; i < 40; i++) {
            sb.append("a ").append(i).append(' ').append(1000 + 100 * i).append('\n');
        }
        Files.writeString(t, sb.toString());
        Path frames = dir.resolve("frames");
        CliRun r = CliRun.of("heapmap", "--allocator", "tlsf", "--trace", t.toString(), "--frames", "5", "--out", frames.toString());
        assertEquals(0, r.exit(), r.err());
        List<Path> pngs;
        try (Stream<Path> s = Files.list(frames)) {
            pngs = s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        assertEquals(5, pngs.size(), pngs.toString());
        BufferedImage first = ImageIO.read(pngs.get(0).toFile());
        BufferedImage last = ImageIO.read(pngs.get(4).toFile());
        assertEquals(first.getWidth(), last.getWidth());
        assertEquals(first.getHeight(), last.getHeight(), "one scale for every frame");
        String html = Files.readString(frames.resolve("index.html"));
        for (int i = 1; i <= 5; i++) {
            assertTrue(html.contains("'frame-000" + i + ".png'"), html);
        }
        assertTrue(html.contains("type=\"range\""), "a slider");
        assertFalse(html.contains("http://") || html.contains("https://") || html.contains("//cdn"), "no network access");
        assertFalse(html.contains("<script src") || html.contains("<link"), "no external script or style");
        assertTrue(r.out().contains("frame 5 of 5"), r.out());
    }

    @Test
    void everyAllocatorDrawsItsHeap() throws IOException {
        Path t = dir.resolve("mix.rep");
        StringBuilder sb = new StringBuilder("20000\n60\n90\n1\n");
        for (int i = 0; i < 60; i++) {
            sb.append("a ").append(i).append(' ').append(16 << (i % 9)).append('\n');
        }
        for (int i = 0; i < 60; i += 2) {
            sb.append("f ").append(i).append('\n');
        }
        Files.writeString(t, sb.toString());
        Path lifo = dir.resolve("mix-lifo.rep"); // a stack frees newest first: the same mallocs, the newest half freed
        StringBuilder lb = new StringBuilder("20000\n60\n90\n1\n");
        for (int i = 0; i < 60; i++) {
            lb.append("a ").append(i).append(' ').append(16 << (i % 9)).append('\n');
        }
        for (int i = 59; i >= 30; i--) {
            lb.append("f ").append(i).append('\n');
        }
        Files.writeString(lifo, lb.toString());
        List<String> names = org.jalloc.core.spi.AllocatorTypes.all().stream().map(AllocatorType::name).toList();
        assertTrue(names.containsAll(List.of("first-fit", "segregated", "tlsf", "buddy", "slab", "slub", "slob", "thread-cache")), names.toString());
        for (String name : names) {
            Path png = dir.resolve(name + ".png");
            String spec = name.equals("pool") ? "pool:object=4K" : name; // a pool serves one size: objects that hold every request
            Path trace = name.equals("stack") ? lifo : t;
            CliRun r = CliRun.of("heapmap", "--allocator", spec, "--trace", trace.toString(), "--out", png.toString(), "--json");
            assertEquals(0, r.exit(), name + ": " + r.err());
            BufferedImage img = ImageIO.read(png.toFile());
            assertNotNull(img, name);
            boolean allocated = false;
            for (int y = 0; y < img.getHeight() && !allocated; y++) {
                for (int x = HeapMapImages.LEFT; x < img.getWidth() && !allocated; x++) {
                    allocated = rgb(img, x, y) == HeapPicture.COLOURS[HeapPicture.ALLOCATED];
                }
            }
            assertTrue(allocated, name + " draws its live blocks");
            assertTrue(r.out().contains("\"afterOp\":60"), name + " peaks after the 60 mallocs: " + r.out());
        }
    }

    private static long count(BufferedImage img, int rgb) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = HeapMapImages.LEFT; x < img.getWidth(); x++) {
                n += rgb(img, x, y) == rgb ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void collectorSpaceBeforeAndAfterCompaction() throws IOException {
        Path out = dir.resolve("mc");
        CliRun r = CliRun.of("heapmap", "--collector", "mark-compact", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        BufferedImage before = ImageIO.read(out.resolve("before-collection.png").toFile());
        BufferedImage after = ImageIO.read(out.resolve("after-collection.png").toFile());
        int garbage = HeapPicture.COLOURS[HeapPicture.GARBAGE];
        int free = HeapPicture.COLOURS[HeapPicture.FREE];
        int live = HeapPicture.COLOURS[HeapPicture.ALLOCATED];
        long cellsArea = (long) HeapPicture.COLUMNS * HeapMapImages.CELL_W;
        assertTrue(count(before, garbage) > cellsArea * 50, "every other 8 KiB array is garbage before the collection");
        assertTrue(count(after, garbage) <= 12 * 17, "no garbage after it (the colour key's swatch aside): " + count(after, garbage));
        assertTrue(count(after, free) > cellsArea * 50, "the compacted space ends in one free run");
        // compaction: live objects at the bottom of the space, free space after them, no live cell after the first free row
        int top = 10 + HeapMapImages.LINE_H * 4 + 28;
        int firstRow = top + 2;
        assertEquals(live, rgb(after, HeapMapImages.LEFT + 100, firstRow));
        int lastRow = after.getHeight() - 10 - HeapMapImages.ROW_H + 2;
        assertEquals(free, rgb(after, HeapMapImages.LEFT + 100, lastRow));
        String html = Files.readString(out.resolve("index.html"));
        assertTrue(html.contains("'before-collection.png'") && html.contains("'after-collection.png'"), html);
        assertEquals(2, CliRun.of("heapmap", "--collector", "mark-compact", "--trace", "x.rep", "--out", out.toString()).exit());
        assertEquals(2, CliRun.of("heapmap", "--collector", "nope", "--out", dir.resolve("n").toString()).exit());
    }

    @Test
    void cellSizeGrowsWithTheHeapAndStaysWithinTheRows() {
        assertEquals(16, HeapPicture.cellSizeFor(16L * HeapPicture.COLUMNS * HeapPicture.MAX_ROWS));
        assertEquals(32, HeapPicture.cellSizeFor(16L * HeapPicture.COLUMNS * HeapPicture.MAX_ROWS + 1));
        long oneGiB = 1L << 30;
        long cell = HeapPicture.cellSizeFor(oneGiB);
        assertTrue((oneGiB + cell - 1) / cell <= (long) HeapPicture.COLUMNS * HeapPicture.MAX_ROWS);
        assertEquals(0, cell & (cell - 1), "a power of two");
    }
}
