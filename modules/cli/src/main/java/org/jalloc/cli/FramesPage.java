package org.jalloc.cli;

import java.util.List;

/**
 * The {@code index.html} of {@code ./jalloc heapmap --frames}: one self-contained page (inline style and script, no
 * network access) with a slider, previous/next/play buttons and the arrow keys stepping through the frames, which
 * it loads from the same folder by their relative names.
 */
final class FramesPage {
    private FramesPage() {}

    /** One frame: its file name (in the page's folder) and its caption. */
    record Frame(String file, String caption) {}

    static String html(String title, List<Frame> frames) {
        StringBuilder files = new StringBuilder();
        StringBuilder captions = new StringBuilder();
        for (int i = 0; i < frames.size(); i++) {
            String sep = i == 0 ? "" : ",\n  ";
            files.append(sep).append(js(frames.get(i).file()));
            captions.append(sep).append(js(frames.get(i).caption()));
        }
        String first = frames.isEmpty() ? "" : frames.get(0).file();
        return """
                <!DOCTYPE html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <title>%1$s</title>
                <style>
                  body { font-family: sans-serif; margin: 16px; }
                  #controls { display: flex; gap: 8px; align-items: center; margin: 8px 0; }
                  #slider { flex: 1; max-width: 900px; }
                  #caption { font-family: monospace; margin: 4px 0 8px; }
                  img { border: 1px solid #ccc; max-width: 100%%; }
                </style>
                </head>
                <body>
                <h1 style="font-size: 18px">%1$s</h1>
                <div id="controls">
                  <button id="prev" title="previous frame (left arrow)">&#9664;</button>
                  <button id="play" title="play / pause (space)">play</button>
                  <button id="next" title="next frame (right arrow)">&#9654;</button>
                  <input id="slider" type="range" min="0" max="%2$d" value="0" step="1">
                  <span id="count"></span>
                </div>
                <div id="caption"></div>
                <img id="frame" src="%3$s" alt="heap map frame">
                <script>
                const files = [
                  %4$s
                ];
                const captions = [
                  %5$s
                ];
                const slider = document.getElementById('slider');
                const img = document.getElementById('frame');
                let timer = null;
                function show(i) {
                  i = Math.max(0, Math.min(files.length - 1, i));
                  slider.value = i;
                  img.src = files[i];
                  document.getElementById('caption').textContent = captions[i];
                  document.getElementById('count').textContent = 'frame ' + (i + 1) + ' of ' + files.length;
                }
                function step(d) { show(Number(slider.value) + d); }
                function play() {
                  const b = document.getElementById('play');
                  if (timer) { clearInterval(timer); timer = null; b.textContent = 'play'; return; }
                  if (Number(slider.value) === files.length - 1) show(0);
                  b.textContent = 'pause';
                  timer = setInterval(() => { if (Number(slider.value) >= files.length - 1) play(); else step(1); }, 500);
                }
                slider.addEventListener('input', () => show(Number(slider.value)));
                document.getElementById('prev').addEventListener('click', () => step(-1));
                document.getElementById('next').addEventListener('click', () => step(1));
                document.getElementById('play').addEventListener('click', play);
                document.addEventListener('keydown', e => {
                  if (e.key === 'ArrowLeft') step(-1);
                  else if (e.key === 'ArrowRight') step(1);
                  else if (e.key === ' ') { e.preventDefault(); play(); }
                });
                show(0);
                </script>
                </body>
                </html>
                """.formatted(HeapMapImages.xml(title), Math.max(0, frames.size() - 1), HeapMapImages.xml(first), files, captions);
    }

    /** A JavaScript string literal. */
    static String js(String s) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\'' -> sb.append("\\'");
                case '\\' -> sb.append("\\\\");
                case '<' -> sb.append("\\x3c");
                case '\n', '\r' -> sb.append(' ');
                default -> sb.append(c);
            }
        }
        return sb.append('\'').toString();
    }
}
