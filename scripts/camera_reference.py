#!/usr/bin/env python3
"""The reference half of the camera benchmark (scripts/camera-bench.sh).

  camera_reference.py zxing CORPUS OUT_TSV     decodes every frame of CORPUS/manifest.tsv
                                               with zxing-cpp (QR only), same columns as
                                               `camera_bench run`
  camera_reference.py table OURS_TSV ZXING_TSV prints the Markdown table, per condition:
                                               decode rates, their ratio, misreads, median
                                               and 90th-percentile CPU per frame

CPU time is the thread's own (time.thread_time_ns) around the read call alone, with the
frame already in memory as a numpy array, as for our decoder.
"""

import os
import statistics
import sys


def zxing(corpus, out):
    import numpy as np
    import zxingcpp
    from PIL import Image

    fmt = zxingcpp.BarcodeFormat.QRCode
    with open(os.path.join(corpus, "manifest.tsv"), encoding="utf-8") as m, \
            open(out, "w", encoding="utf-8") as o:
        for line in m:
            file, cond, w, h, text = line.rstrip("\n").split("\t")
            frame = np.asarray(Image.open(os.path.join(corpus, file)).convert("L"))
            start = time_ns()
            found = zxingcpp.read_barcodes(frame, formats=fmt)
            cpu = time_ns() - start
            texts = [b.text for b in found if b.valid]
            verdict = "ok" if text in texts else ("misread" if texts else "miss")
            o.write(f"{file}\t{cond}\t{w}\t{h}\t{verdict}\t{cpu}\n")


def time_ns():
    import time
    return time.thread_time_ns()


def load(path):
    rows = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            file, cond, w, h, verdict, cpu = line.rstrip("\n").split("\t")
            rows.setdefault(cond, []).append((f"{w}x{h}", verdict, int(cpu)))
    return rows


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def table(ours_path, ref_path):
    ours, ref = load(ours_path), load(ref_path)
    print("| condition | frame | frames | ours | zxing-cpp | ours / zxing-cpp | misreads (ours, zxing-cpp)"
          " | CPU ms median / p90, ours | CPU ms median / p90, zxing-cpp |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    worst = None
    for cond in ours:
        o, r = ours[cond], ref.get(cond, [])
        n = len(o)
        rate_o = sum(v == "ok" for _, v, _ in o) / n
        rate_r = sum(v == "ok" for _, v, _ in r) / max(len(r), 1)
        ratio = rate_o / rate_r if rate_r else float("nan")
        worst = ratio if worst is None or ratio < worst else worst
        mis = (sum(v == "misread" for _, v, _ in o), sum(v == "misread" for _, v, _ in r))
        co = [c / 1e6 for _, _, c in o]
        cr = [c / 1e6 for _, _, c in r]
        print(f"| {cond} | {o[0][0]} | {n} | {rate_o:.0%} | {rate_r:.0%} | {ratio:.0%} | {mis[0]}, {mis[1]}"
              f" | {statistics.median(co):.1f} / {pct(co, 0.9):.1f}"
              f" | {statistics.median(cr):.1f} / {pct(cr, 0.9):.1f} |")
    for size in sorted({s for rows in ours.values() for s, _, _ in rows}):
        co = [c / 1e6 for rows in ours.values() for s, _, c in rows if s == size]
        cr = [c / 1e6 for rows in ref.values() for s, _, c in rows if s == size]
        print(f"\nAll {size} frames: median CPU ours {statistics.median(co):.2f} ms,"
              f" zxing-cpp {statistics.median(cr):.2f} ms.", end="")
    print(f"\nLowest ratio of decode rates: {worst:.0%}.")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "zxing":
        zxing(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "table":
        table(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
