#!/usr/bin/env python3
"""Synthetic camera corpus: qrseal QR symbols photographed off a phone screen, simulated.

Usage: camera_corpus.py SYMBOLS_DIR OUT_DIR FRAMES_PER_CONDITION [SEED]

SYMBOLS_DIR holds `symbols.tsv` (file, text) and one PGM per token with one pixel a module
and no quiet zone, as written by `cargo run --example camera_bench -- symbols DIR`. OUT_DIR
receives one 8-bit grayscale PNG per frame and `manifest.tsv` (file, condition, width,
height, text). The same seed gives the same frames (numpy's PCG64 drives every choice).

Each condition draws, per frame: a token, a code size (the symbol without its quiet zone, in
frame pixels), a position, an in-plane rotation and a 3D tilt (a perspective projection of
the screen), then applies the condition's degradations in camera order: screen contrast and
gamma, glare, moire, optical blur, motion blur, sensor noise, JPEG.
"""

import io
import math
import os
import sys

import numpy as np
from PIL import Image, ImageFilter

# name: frame size, code size range (px), tilt range (deg), degradations.
# Degradation keys: blur (gaussian radius range), motion (length px range), noise (sigma
# range), contrast ((black, white) levels), gamma (range), jpeg (quality range), glare (True),
# moire (amplitude range).
CONDITIONS = {
    "clean_240": dict(frame=(1280, 720), size=(240, 240), tilt=(0, 0)),
    "handheld": dict(frame=(1280, 720), size=(180, 260), tilt=(10, 20), blur=(0.4, 0.9),
                     noise=(2, 5), jpeg=(75, 85)),
    "size_100": dict(frame=(1280, 720), size=(100, 100), tilt=(0, 8), noise=(1, 3), jpeg=(85, 92)),
    "size_120": dict(frame=(1280, 720), size=(120, 120), tilt=(0, 8), noise=(1, 3), jpeg=(85, 92)),
    "size_160": dict(frame=(1280, 720), size=(160, 160), tilt=(0, 8), noise=(1, 3), jpeg=(85, 92)),
    "size_300": dict(frame=(1280, 720), size=(300, 300), tilt=(0, 8), noise=(1, 3), jpeg=(85, 92)),
    "blur_1.5": dict(frame=(1280, 720), size=(180, 260), tilt=(0, 10), blur=(1.5, 1.5),
                     noise=(1, 3)),
    "motion_blur": dict(frame=(1280, 720), size=(180, 260), tilt=(0, 10), motion=(4, 8),
                        noise=(1, 3)),
    "noise": dict(frame=(1280, 720), size=(180, 260), tilt=(0, 10), noise=(10, 16)),
    "low_contrast_gamma": dict(frame=(1280, 720), size=(180, 260), tilt=(0, 10),
                               contrast=((90, 110), (150, 175)), gamma=(0.5, 2.0), noise=(1, 3)),
    "jpeg_low": dict(frame=(1280, 720), size=(180, 260), tilt=(0, 10), jpeg=(25, 45)),
    "glare": dict(frame=(1280, 720), size=(180, 260), tilt=(0, 10), glare=True, noise=(1, 3),
                  jpeg=(75, 85)),
    "moire": dict(frame=(1280, 720), size=(180, 260), tilt=(0, 10), moire=(12, 24),
                  noise=(1, 3), jpeg=(75, 85)),
    "mixed": dict(frame=(1280, 720), size=(140, 260), tilt=(5, 25), blur=(0.5, 1.2),
                  motion=(0, 4), noise=(3, 8), contrast=((30, 80), (170, 230)),
                  gamma=(0.7, 1.4), jpeg=(55, 85), glare="sometimes", moire="sometimes"),
    "vga_clean_160": dict(frame=(640, 480), size=(160, 160), tilt=(0, 0)),
    "vga_handheld": dict(frame=(640, 480), size=(120, 200), tilt=(10, 20), blur=(0.4, 0.9),
                         noise=(2, 5), jpeg=(75, 85)),
    "vga_mixed": dict(frame=(640, 480), size=(110, 200), tilt=(5, 25), blur=(0.5, 1.2),
                      motion=(0, 4), noise=(3, 8), contrast=((30, 80), (170, 230)),
                      gamma=(0.7, 1.4), jpeg=(55, 85), glare="sometimes", moire="sometimes"),
}


def read_symbols(directory):
    symbols = []
    with open(os.path.join(directory, "symbols.tsv"), encoding="utf-8") as f:
        for line in f:
            name, text = line.rstrip("\n").split("\t")
            modules = np.asarray(Image.open(os.path.join(directory, name)).convert("L"))
            symbols.append((text, modules < 128))
    return symbols


def perspective_coeffs(dst, src):
    """PIL's PERSPECTIVE data: maps output (frame) points back to input (screen) points."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return np.linalg.solve(np.array(rows, float), np.array(rhs, float)).tolist()


def project(corners, center, rot, tilt_x, tilt_y, focal):
    """Rotates the flat screen corners (relative to the code centre) in 3D and projects."""
    cr, sr = math.cos(rot), math.sin(rot)
    cx, sx = math.cos(tilt_x), math.sin(tilt_x)
    cy, sy = math.cos(tilt_y), math.sin(tilt_y)
    out = []
    for x, y in corners:
        x, y = x * cr - y * sr, x * sr + y * cr
        y, z = y * cx, y * sx
        x, z = x * cy + z * sy, -x * sy + z * cy
        s = focal / (focal + z)
        out.append((center[0] + x * s, center[1] + y * s))
    return out


def draw(rng, cond, modules):
    fw, fh = cond["frame"]
    n = modules.shape[0]
    size = rng.uniform(*cond["size"])
    # The screen shows the symbol with a 4-module quiet zone and some white margin around.
    screen_modules = n + 8 + 2 * rng.integers(1, 4)
    ppm = 8  # supersampling: screen pixels a module, before the camera resamples
    side = screen_modules * ppm
    black = rng.uniform(10, 40)
    white = rng.uniform(200, 245)
    screen = np.full((side, side), white, np.float32)
    off = (screen_modules - n) // 2 * ppm
    big = np.kron(modules, np.ones((ppm, ppm), bool))
    screen[off:off + n * ppm, off:off + n * ppm][big] = black
    # Background: a smooth random gradient (a desk, a hand, a sleeve).
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    a, b, c = rng.uniform(-0.08, 0.08), rng.uniform(-0.08, 0.08), rng.uniform(60, 160)
    frame = np.clip(c + a * (xx - fw / 2) + b * (yy - fh / 2), 0, 255)
    frame += rng.normal(0, 6, (fh // 16 + 1, fw // 16 + 1)).repeat(16, 0).repeat(16, 1)[:fh, :fw]
    # Place the screen: code size in frame pixels fixes the scale.
    scale = size / (n * ppm)
    half = side * scale / 2
    tilt = math.radians(rng.uniform(*cond["tilt"]))
    direction = rng.uniform(0, 2 * math.pi)
    rot = math.radians(rng.uniform(-25, 25))
    margin = half * 1.5 + 4
    center = (rng.uniform(margin, fw - margin) if fw > 2 * margin else fw / 2,
              rng.uniform(margin, fh - margin) if fh > 2 * margin else fh / 2)
    corners = [(-half, -half), (half, -half), (half, half), (-half, half)]
    dst = project(corners, center, rot, tilt * math.cos(direction), tilt * math.sin(direction),
                  focal=max(fw, fh) * 1.2)
    src = [(0, 0), (side, 0), (side, side), (0, side)]
    warped = Image.fromarray(screen).transform(
        (fw, fh), Image.PERSPECTIVE, perspective_coeffs(dst, src), Image.BICUBIC, fillcolor=-1)
    warped = np.asarray(warped, np.float32)
    mask = np.asarray(Image.fromarray(np.ones((side, side), np.uint8) * 255).transform(
        (fw, fh), Image.PERSPECTIVE, perspective_coeffs(dst, src), Image.BILINEAR), np.float32) / 255
    frame = frame * (1 - mask) + np.where(mask > 0, warped, 0) * mask

    x0, x1 = int(min(p[0] for p in dst)), int(max(p[0] for p in dst)) + 1
    y0, y1 = int(min(p[1] for p in dst)), int(max(p[1] for p in dst)) + 1

    if "contrast" in cond:
        lo = rng.uniform(*cond["contrast"][0])
        hi = rng.uniform(*cond["contrast"][1])
        frame = lo + frame / 255 * (hi - lo)
    if "gamma" in cond:
        g = rng.uniform(*cond["gamma"])
        frame = 255 * (np.clip(frame, 0, 255) / 255) ** g
    glare = cond.get("glare")
    if glare is True or (glare == "sometimes" and rng.random() < 0.3):
        # A soft specular blob over part of the code: saturates what it covers.
        gx = rng.uniform(x0, x1)
        gy = rng.uniform(y0, y1)
        r = (x1 - x0) * rng.uniform(0.15, 0.3)
        blob = np.exp(-(((xx - gx) ** 2 + ((yy - gy) * rng.uniform(0.6, 1.4)) ** 2) / (2 * r * r)))
        frame = frame + blob * rng.uniform(120, 220)
    moire = cond.get("moire")
    if moire is not None and (moire != "sometimes" or rng.random() < 0.3):
        amp = rng.uniform(*moire) if moire != "sometimes" else rng.uniform(8, 16)
        period = rng.uniform(2.5, 6)
        ang = rng.uniform(0, math.pi)
        frame = frame + amp * np.sin(2 * math.pi * (xx * math.cos(ang) + yy * math.sin(ang)) / period)
    frame = np.clip(frame, 0, 255)
    if "blur" in cond:
        radius = rng.uniform(*cond["blur"])
        frame = np.asarray(Image.fromarray(frame.astype(np.float32)).convert("L").filter(
            ImageFilter.GaussianBlur(radius)), np.float32)
    if "motion" in cond:
        length = int(round(rng.uniform(*cond["motion"])))
        if length > 1:
            ang = rng.uniform(0, math.pi)
            acc = np.zeros_like(frame)
            for i in range(length):
                t = i - (length - 1) / 2
                dx, dy = int(round(t * math.cos(ang))), int(round(t * math.sin(ang)))
                acc += np.roll(np.roll(frame, dy, 0), dx, 1)
            frame = acc / length
    if "noise" in cond:
        frame = frame + rng.normal(0, rng.uniform(*cond["noise"]), frame.shape)
    img = Image.fromarray(np.clip(frame + 0.5, 0, 255).astype(np.uint8), "L")
    if "jpeg" in cond:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=int(rng.integers(cond["jpeg"][0], cond["jpeg"][1] + 1)))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return img


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    symbols = read_symbols(sys.argv[1])
    out, per = sys.argv[2], int(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) == 5 else 10
    only = os.environ.get("CAMERA_CONDITIONS")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "manifest.tsv"), "w", encoding="utf-8") as manifest:
        for ci, (name, cond) in enumerate(CONDITIONS.items()):
            if only and name not in only.split(","):
                continue
            # One stream per condition: adding a condition leaves the others unchanged.
            rng = np.random.default_rng([seed, ci])
            for i in range(per):
                text, modules = symbols[int(rng.integers(len(symbols)))]
                img = draw(rng, cond, modules)
                file = f"{name}-{i:03}.png"
                img.save(os.path.join(out, file), compress_level=1)
                manifest.write(f"{file}\t{name}\t{img.width}\t{img.height}\t{text}\n")


if __name__ == "__main__":
    main()
