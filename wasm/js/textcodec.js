// UTF-8 TextEncoder / TextDecoder for hosts that lack them (WeChat and Alipay
// mini-programs). Installed on the global object only when missing, before the
// wasm-bindgen glue is evaluated (miniprogram.js imports this module first).
const root = typeof globalThis !== 'undefined' ? globalThis
  : typeof self !== 'undefined' ? self
  : typeof global !== 'undefined' ? global : {};

class Utf8Encoder {
  get encoding() { return 'utf-8'; }
  encode(input = '') {
    const s = String(input);
    const out = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        }
      }
      // A lone surrogate becomes U+FFFD, as the standard TextEncoder does.
      if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  }
}

class Utf8Decoder {
  get encoding() { return 'utf-8'; }
  // The module only ever hands out valid UTF-8 (Rust strings), so no error handling is
  // needed beyond replacing a malformed sequence with U+FFFD.
  decode(input) {
    if (input === undefined) return '';
    const b = input instanceof Uint8Array ? input
      : new Uint8Array(input.buffer ? input.buffer : input, input.byteOffset || 0, input.byteLength);
    let s = '';
    let chunk = [];
    for (let i = 0; i < b.length;) {
      const x = b[i];
      let c = 0xfffd;
      let n = 1;
      if (x < 0x80) c = x;
      else if (x >= 0xc2 && x < 0xe0 && i + 1 < b.length) { c = ((x & 31) << 6) | (b[i + 1] & 63); n = 2; }
      else if (x >= 0xe0 && x < 0xf0 && i + 2 < b.length) { c = ((x & 15) << 12) | ((b[i + 1] & 63) << 6) | (b[i + 2] & 63); n = 3; }
      else if (x >= 0xf0 && x < 0xf5 && i + 3 < b.length) { c = ((x & 7) << 18) | ((b[i + 1] & 63) << 12) | ((b[i + 2] & 63) << 6) | (b[i + 3] & 63); n = 4; }
      i += n;
      if (c >= 0x10000) { c -= 0x10000; chunk.push(0xd800 + (c >> 10), 0xdc00 + (c & 1023)); }
      else chunk.push(c);
      if (chunk.length > 4096) { s += String.fromCharCode.apply(null, chunk); chunk = []; }
    }
    return s + String.fromCharCode.apply(null, chunk);
  }
}

if (typeof root.TextEncoder === 'undefined') root.TextEncoder = Utf8Encoder;
if (typeof root.TextDecoder === 'undefined') root.TextDecoder = Utf8Decoder;

export { Utf8Encoder, Utf8Decoder };
