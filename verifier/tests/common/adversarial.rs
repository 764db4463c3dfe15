//! Crafted images that once made the QR search explode: grids of finder patterns at several
//! module sizes and densities, noise and checkerboards, up to the largest size accepted.

/// A named grayscale image, `side * side` bytes.
pub(crate) struct Crafted {
    pub(crate) name: String,
    pub(crate) side: u32,
    pub(crate) luma: Vec<u8>,
}

/// Finder patterns (7x7 modules: dark ring, light ring, dark 3x3 core) of `module` pixels a
/// module, repeated every `7 + gap` modules in both directions.
fn finder_grid(side: usize, module: usize, gap: usize) -> Vec<u8> {
    let cell = (7 + gap) * module;
    let dark = |x: usize, y: usize| {
        let (cx, cy) = ((x % cell) / module, (y % cell) / module);
        cx < 7 && cy < 7 && cx.min(cy).min(6 - cx).min(6 - cy) != 1
    };
    (0..side * side)
        .map(|i| if dark(i % side, i / side) { 0 } else { 255 })
        .collect()
}

/// Finder patterns of one pixel a module every 8 pixels across, and every `period` rows down,
/// placed so that their 3-row cores cover rows `period - 1 + k * period`: with `period` the
/// row step of the finder scan for this height, every row scanned crosses a full row of
/// patterns, the most patterns the scan can find in an image this size.
fn finder_rows(side: usize, period: usize) -> Vec<u8> {
    let top = (period + period - 1 - 3) % period;
    let dark = |x: usize, y: usize| {
        let (cx, cy) = (x % 8, (y + period - top) % period);
        cx < 7 && cy < 7 && cx.min(cy).min(6 - cx).min(6 - cy) != 1
    };
    (0..side * side)
        .map(|i| if dark(i % side, i / side) { 0 } else { 255 })
        .collect()
}

/// Triples of finder patterns laid out as the corners of version-6 symbols (41 modules), with
/// a pseudo-random interior: every triple is geometrically plausible and must be sampled.
fn fake_symbols(side: usize, module: usize) -> Vec<u8> {
    let symbol = 41 + 4;
    let mut img = vec![255u8; side * side];
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / module) % symbol, (y / module) % symbol);
            if mx >= 41 || my >= 41 {
                continue;
            }
            let in_finder =
                |ox: usize, oy: usize| (ox..ox + 7).contains(&mx) && (oy..oy + 7).contains(&my);
            let dark = if in_finder(0, 0) || in_finder(34, 0) || in_finder(0, 34) {
                let (fx, fy) = (mx % 34 % 7, my % 34 % 7);
                fx.min(fy).min(6 - fx).min(6 - fy) != 1
            } else {
                // One pseudo-random bit per module, stable across the module's pixels.
                let h = ((x / module) as u64 * 73_856_093) ^ ((y / module) as u64 * 19_349_663);
                (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 61) & 1 == 1
            };
            if dark {
                img[y * side + x] = 0;
            }
        }
    }
    img
}

fn noise(side: usize, binary: bool) -> Vec<u8> {
    let mut s = 0x2545_f491_4f6c_dd1du64;
    (0..side * side)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            match binary {
                true if s & 1 == 0 => 0,
                true => 255,
                false => (s >> 24) as u8,
            }
        })
        .collect()
}

fn checkerboard(side: usize, square: usize) -> Vec<u8> {
    (0..side * side)
        .map(|i| {
            if ((i % side) / square + (i / side) / square).is_multiple_of(2) {
                0
            } else {
                255
            }
        })
        .collect()
}

/// Every crafted image, largest cases included.
pub(crate) fn crafted() -> Vec<Crafted> {
    let mut out = Vec::new();
    let mut add = |name: String, side: usize, luma: Vec<u8>| {
        out.push(Crafted {
            name,
            side: side as u32,
            luma,
        })
    };
    for (side, module, gap) in [
        (1024, 1, 1),
        (1024, 1, 0),
        (1024, 2, 1),
        (1024, 3, 4),
        (1280, 1, 1),
        (1600, 1, 1),
        (1600, 2, 1),
        (1600, 2, 0),
        (2048, 1, 1),
        (4096, 1, 1),
        (4096, 2, 1),
        (4096, 3, 1),
        (4096, 5, 2),
    ] {
        add(
            format!("finder-grid-{side}-m{module}-g{gap}"),
            side,
            finder_grid(side, module, gap),
        );
    }
    // The finder scan steps 3/4 of the height over 97 rows (at least 3).
    for side in [720usize, 1024, 1600] {
        let step = (3 * side / (4 * 97)).max(3);
        add(
            format!("finder-rows-{side}-p{step}"),
            side,
            finder_rows(side, step),
        );
    }
    for (side, module) in [(1024, 2), (1600, 3), (4096, 6)] {
        add(
            format!("fake-symbols-{side}-m{module}"),
            side,
            fake_symbols(side, module),
        );
    }
    for side in [1600, 4096] {
        add(format!("noise-gray-{side}"), side, noise(side, false));
        add(format!("noise-binary-{side}"), side, noise(side, true));
    }
    for (side, square) in [(1600, 1), (1600, 3), (4096, 1), (4096, 2), (4096, 7)] {
        add(
            format!("checkerboard-{side}-s{square}"),
            side,
            checkerboard(side, square),
        );
    }
    out
}
