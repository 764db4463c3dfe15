//! Resource limits of the image path, measured: a tracking allocator records the peak heap
//! in use while `frame::decode_image` reads the largest images it accepts and the bombs it
//! must refuse, and the test asserts bounds on that peak and on the time taken.
#![cfg(feature = "image")]
// The library crates forbid `unsafe`; a global allocator cannot be written without it, and
// this one only forwards to the system allocator.
#![allow(unsafe_code)]

mod common;
use common::fix_ihdr_crc;
#[path = "common/adversarial.rs"]
mod adversarial;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use qrseal_core::render::{Ecc, QrSymbol, RenderOptions};
use qrseal_verifier::Error;
use qrseal_verifier::frame::{
    Frame, MAX_DECODE_BYTES, MAX_IMAGE_SIDE, PixelFormat, decode_frame, decode_image,
};

struct Tracking;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

// The harness runs tests on several threads; each test holds this for its whole run so that
// no other test allocates while it measures.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` and returns its result, the peak heap it added above what was in use before,
/// and how long it took.
fn measure<T>(f: impl FnOnce() -> T) -> (T, usize, Duration) {
    let base = IN_USE.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let start = Instant::now();
    let out = f();
    let elapsed = start.elapsed();
    (out, PEAK.load(Ordering::SeqCst) - base, elapsed)
}

/// CPU time used by the calling thread: what a decode costs, whatever else the machine runs.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant libc defines.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Like [`measure`], but reports the thread's CPU time rather than the wall clock.
fn measure_cpu<T>(f: impl FnOnce() -> T) -> (T, usize, Duration) {
    let start = thread_cpu();
    let (out, peak, _) = measure(f);
    (out, peak, thread_cpu() - start)
}

/// The bound every image within the accepted dimensions must meet, whatever its content
/// (issue 10): decode or fail within this CPU time and this much heap.
const CPU_BOUND: Duration = Duration::from_millis(250);
const HEAP_BOUND: usize = 128 * 1024 * 1024;

const MIB: usize = 1024 * 1024;

fn token_text() -> String {
    // A structurally valid QR text; the image path does not verify it.
    format!("QS:{}", "0".repeat(150))
}

/// The largest image accepted: 4096 x 4096, here as RGBA (4 bytes a pixel, the decoder's
/// worst case) with a QR symbol in one corner.
fn largest_png() -> Vec<u8> {
    let symbol = QrSymbol::new(&token_text(), Ecc::M).unwrap();
    let luma = symbol
        .to_luma(RenderOptions {
            module_size: 12,
            quiet_zone: true,
        })
        .unwrap();
    let side = MAX_IMAGE_SIDE;
    let mut img = image::RgbaImage::from_pixel(side, side, image::Rgba([255, 255, 255, 255]));
    for (x, y, p) in luma.enumerate_pixels() {
        let v = p.0[0];
        img.put_pixel(x + 300, y + 200, image::Rgba([v, v, v, 255]));
    }
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

#[test]
fn the_largest_accepted_image_decodes_within_bounded_memory() {
    let _serial = serial();
    let png = largest_png();
    let (result, peak, elapsed) = measure(|| decode_image(&png));
    // The decoder itself is held to MAX_DECODE_BYTES (64 MiB, reached by 4096^2 RGBA); the
    // grayscale copy (16 MiB) and the QR detector's working image come on top.
    eprintln!(
        "4096x4096 RGBA PNG ({} KiB): peak heap {:.1} MiB, {:?}, {:?}",
        png.len() / 1024,
        peak as f64 / MIB as f64,
        elapsed,
        result.as_ref().map(String::len)
    );
    assert_eq!(result.unwrap(), token_text());
    assert!(
        peak < MAX_DECODE_BYTES as usize + 64 * MIB,
        "peak {peak} bytes"
    );
}

#[test]
fn dimension_bombs_are_refused_from_the_header() {
    let _serial = serial();
    let small = QrSymbol::new(&token_text(), Ecc::M)
        .unwrap()
        .to_png(RenderOptions::default())
        .unwrap();
    for (w, h) in [
        (100_000u32, 100_000u32),
        (MAX_IMAGE_SIDE + 1, 16),
        (16, u32::MAX >> 1),
    ] {
        let mut bomb = small.clone();
        bomb[16..20].copy_from_slice(&w.to_be_bytes());
        bomb[20..24].copy_from_slice(&h.to_be_bytes());
        fix_ihdr_crc(&mut bomb);
        let (result, peak, elapsed) = measure(|| decode_image(&bomb));
        eprintln!(
            "PNG bomb {w}x{h}: peak heap {} KiB, {elapsed:?}",
            peak / 1024
        );
        assert_eq!(
            result,
            Err(Error::ImageTooLarge {
                width: w,
                height: h,
                max: MAX_IMAGE_SIDE
            })
        );
        assert!(peak < MIB, "peak {peak} bytes");
        assert!(elapsed < Duration::from_secs(1));
    }

    // A JPEG whose frame header (SOF0) claims 65500 x 65500 pixels.
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageLuma8(image::GrayImage::from_pixel(8, 8, image::Luma([200])))
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    let sof = jpeg.windows(2).position(|w| w == [0xff, 0xc0]).unwrap();
    // SOF0: marker, length (2), precision (1), height (2), width (2).
    jpeg[sof + 5..sof + 7].copy_from_slice(&65_500u16.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&65_500u16.to_be_bytes());
    let (result, peak, elapsed) = measure(|| decode_image(&jpeg));
    eprintln!(
        "JPEG bomb 65500x65500: peak heap {} KiB, {elapsed:?}",
        peak / 1024
    );
    assert_eq!(
        result,
        Err(Error::ImageTooLarge {
            width: 65_500,
            height: 65_500,
            max: MAX_IMAGE_SIDE
        })
    );
    assert!(peak < MIB, "peak {peak} bytes");
}

#[test]
fn truncated_and_garbage_images_fail_quickly() {
    let _serial = serial();
    let symbol = QrSymbol::new(&token_text(), Ecc::M).unwrap();
    let luma = symbol.to_luma(RenderOptions::default()).unwrap();
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageLuma8(luma)
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    let mut worst = Duration::ZERO;
    let mut worst_peak = 0;
    for len in (0..jpeg.len()).step_by(jpeg.len() / 60 + 1) {
        let (result, peak, elapsed) = measure(|| decode_image(&jpeg[..len]));
        // A JPEG cut short may still decode to a damaged picture; it must then fail to
        // yield a QR code or yield the right one, never anything else.
        if let Ok(text) = result {
            assert_eq!(text, token_text(), "truncated at {len}");
        }
        worst = worst.max(elapsed);
        worst_peak = worst_peak.max(peak);
    }
    eprintln!(
        "truncated JPEGs: worst {worst:?}, peak heap {} KiB",
        worst_peak / 1024
    );
    assert!(worst_peak < 16 * MIB);

    // Megabytes of garbage behind a PNG signature.
    let mut junk = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    junk.extend((0..4 * MIB).map(|i| (i * 7 + 3) as u8));
    let (result, peak, _) = measure(|| decode_image(&junk));
    assert!(
        matches!(result, Err(Error::ImageUnreadable(_))),
        "{result:?}"
    );
    assert!(peak < 16 * MIB, "peak {peak} bytes");
}

/// Grids of finder patterns, fake symbols, noise and checkerboards, as camera frames (gray
/// and RGBA) and as PNG files: each fails cleanly within [`CPU_BOUND`] and [`HEAP_BOUND`].
/// Before the QR search was bounded, a 1024x1024 grid of finder patterns took over two
/// minutes and a 4096x4096 one grew past 11 GiB.
#[test]
fn adversarial_images_fail_within_the_cpu_and_memory_bound() {
    let _serial = serial();
    let write_seeds = std::env::var_os("QRSEAL_WRITE_SEEDS").is_some();
    let mut report = String::new();
    for image in adversarial::crafted() {
        let side = image.side;
        let frame = Frame::new(side, side, PixelFormat::Gray8, &image.luma).unwrap();
        let (result, peak, cpu) = measure_cpu(|| decode_frame(&frame));
        assert_eq!(result, Err(Error::NoQrCode), "{}", image.name);
        check_bound(&image.name, "gray frame", peak, cpu, &mut report);

        let png = encode_png(&image);
        let (result, peak, cpu) = measure_cpu(|| decode_image(&png));
        assert_eq!(result, Err(Error::NoQrCode), "{}", image.name);
        check_bound(&image.name, "PNG file", peak, cpu, &mut report);
        // Seeds for the image fuzz target (scripts/fuzz.sh caps its inputs at 64 KiB).
        if write_seeds && png.len() <= 64 * 1024 {
            let dir =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/image_decode");
            std::fs::write(dir.join(format!("adversarial-{}.png", image.name)), &png).unwrap();
        }

        if side <= 2048 {
            let rgba: Vec<u8> = image.luma.iter().flat_map(|&v| [v, v, v, 255]).collect();
            let frame = Frame::new(side, side, PixelFormat::Rgba8, &rgba).unwrap();
            let (result, peak, cpu) = measure_cpu(|| decode_frame(&frame));
            assert_eq!(result, Err(Error::NoQrCode), "{}", image.name);
            check_bound(&image.name, "RGBA frame", peak, cpu, &mut report);
        }
    }
    eprintln!("{report}");
}

/// The image as a grayscale PNG, compressed hard: a pattern of 16 megapixels then fits in
/// tens of kilobytes, as an attacker would send it.
fn encode_png(image: &adversarial::Crafted) -> Vec<u8> {
    use image::ImageEncoder as _;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let mut png = Vec::new();
    PngEncoder::new_with_quality(&mut png, CompressionType::Best, FilterType::Up)
        .write_image(
            &image.luma,
            image.side,
            image.side,
            image::ExtendedColorType::L8,
        )
        .unwrap();
    png
}

fn check_bound(name: &str, what: &str, peak: usize, cpu: Duration, report: &mut String) {
    use std::fmt::Write as _;
    writeln!(
        report,
        "{name} ({what}): {cpu:?} CPU, peak heap {:.1} MiB",
        peak as f64 / MIB as f64
    )
    .unwrap();
    assert!(cpu <= CPU_BOUND, "{name} ({what}): {cpu:?} CPU");
    assert!(
        peak <= HEAP_BOUND,
        "{name} ({what}): peak heap {peak} bytes"
    );
}
