"""An independent qrseal v1 verifier in plain Python (standard library only), written from
docs/SPEC.md and not from the Rust code, to show that the spec is enough to build a compatible
verifier and that the vectors agree with it.

    python3 testvectors/reference/qrseal_ref.py

Run by scripts/test-all.sh (and so by CI); far too slow for production (pure-Python curve
arithmetic).
Exits non-zero on any disagreement with tokens.json, ed25519.json, subjects.json or trust.json
(trust lists, revocation lists and the trust store, SPEC section 17).
"""
import hashlib, json, sys

ALPHA = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
URLALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
MAX_TOKEN = 132
MAX_QR = 3 + 66 * 3  # 201
MAX_URL = (MAX_TOKEN * 4 + 2) // 3  # 176
MAX_TEXT = max(MAX_QR, MAX_URL)

class Err(Exception):
    def __init__(self, code, field=None, by=None, **extra):
        self.code, self.field, self.by = code, field, by
        # Numbers a trust-store error carries: held/got, before, since, loaded/required.
        self.extra = {("before_unix" if k == "before" else "since_unix" if k == "since" else k): v
                      for k, v in extra.items()}

def decode_text(t: str) -> bytes:
    b = t.encode("utf-8")
    if not b:
        raise Err("empty_text")
    if len(b) > MAX_TEXT:
        raise Err("text_too_long")
    if b.startswith(b"QS:"):
        body = b[3:]
        if len(body) % 3 == 1:
            raise Err("invalid_encoding")
        out = bytearray()
        for i in range(0, len(body), 3):
            g = body[i:i + 3]
            v, scale = 0, 1
            for c in g:
                d = ALPHA.find(chr(c)) if c < 128 else -1
                if d < 0:
                    raise Err("invalid_character")
                v += d * scale
                scale *= 45
            if len(g) == 3:
                if v > 0xFFFF:
                    raise Err("invalid_encoding")
                out += bytes([v >> 8, v & 0xFF])
            else:
                if v > 0xFF:
                    raise Err("invalid_encoding")
                out.append(v)
        return bytes(out)
    if len(b) > MAX_URL:
        raise Err("text_too_long")
    for c in b:
        if c >= 128 or chr(c) not in URLALPHA:
            raise Err("invalid_character")
    if len(b) % 4 == 1:
        raise Err("invalid_encoding")
    bits, nbits, out = 0, 0, bytearray()
    for c in b:
        bits = (bits << 6) | URLALPHA.index(chr(c))
        nbits += 6
        if nbits >= 8:
            nbits -= 8
            out.append((bits >> nbits) & 0xFF)
    if bits & ((1 << nbits) - 1):
        raise Err("invalid_encoding")
    return bytes(out)

class R:
    def __init__(self, b):
        self.b, self.p = b, 0
        self.noncanon = False
    def byte(self, f):
        if self.p >= len(self.b):
            raise Err("truncated", f)
        v = self.b[self.p]; self.p += 1
        return v
    def raw(self, n, f):
        if self.p + n > len(self.b):
            raise Err("truncated", f)
        v = self.b[self.p:self.p + n]; self.p += n
        return v
    def varint(self, f, maxlen, lastmax):
        v = 0
        for i in range(maxlen):
            c = self.byte(f)
            v |= (c & 0x7F) << (7 * i)
            if not c & 0x80:
                if i == maxlen - 1 and c > lastmax:
                    raise Err("out_of_range", f)
                if i > 0 and c == 0:
                    self.noncanon = True
                return v
        raise Err("out_of_range", f)
    def u32(self, f):
        return self.varint(f, 5, 0x0F)
    def u16(self, f):
        return self.varint(f, 3, 0x03)

# Section 3: format characters (category Cf) and the line/paragraph separators.
FORMAT_RANGES = [(0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
                 (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E),
                 (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F),
                 (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
                 (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
                 (0xE0020, 0xE007F)]

def is_format(cp):
    return any(lo <= cp <= hi for lo, hi in FORMAT_RANGES)

# Section 3: decimal digits (Unicode 18.0 category Nd; at most 4 in a hint) and the
# characters that are not NFC-stable (canonical combining class not 0, or NFC_Quick_Check
# not Yes; none allowed in a hint), copied from the SPEC's lists.
DECIMAL_DIGIT_RANGES = [
    (0x0030, 0x0039), (0x0660, 0x0669), (0x06F0, 0x06F9), (0x07C0, 0x07C9), (0x0966, 0x096F),
    (0x09E6, 0x09EF), (0x0A66, 0x0A6F), (0x0AE6, 0x0AEF), (0x0B66, 0x0B6F), (0x0BE6, 0x0BEF),
    (0x0C66, 0x0C6F), (0x0CE6, 0x0CEF), (0x0D66, 0x0D6F), (0x0DE6, 0x0DEF), (0x0E50, 0x0E59),
    (0x0ED0, 0x0ED9), (0x0F20, 0x0F29), (0x1040, 0x1049), (0x1090, 0x1099), (0x17E0, 0x17E9),
    (0x1810, 0x1819), (0x1946, 0x194F), (0x19D0, 0x19D9), (0x1A80, 0x1A89), (0x1A90, 0x1A99),
    (0x1B50, 0x1B59), (0x1BB0, 0x1BB9), (0x1C40, 0x1C49), (0x1C50, 0x1C59), (0xA620, 0xA629),
    (0xA8D0, 0xA8D9), (0xA900, 0xA909), (0xA9D0, 0xA9D9), (0xA9F0, 0xA9F9), (0xAA50, 0xAA59),
    (0xABF0, 0xABF9), (0xFF10, 0xFF19), (0x104A0, 0x104A9), (0x10D30, 0x10D39),
    (0x10D40, 0x10D49), (0x11066, 0x1106F), (0x110F0, 0x110F9), (0x11136, 0x1113F),
    (0x111D0, 0x111D9), (0x112F0, 0x112F9), (0x11450, 0x11459), (0x114D0, 0x114D9),
    (0x11650, 0x11659), (0x116C0, 0x116C9), (0x116D0, 0x116E3), (0x11730, 0x11739),
    (0x118E0, 0x118E9), (0x11950, 0x11959), (0x11BF0, 0x11BF9), (0x11C50, 0x11C59),
    (0x11D50, 0x11D59), (0x11DA0, 0x11DA9), (0x11DE0, 0x11DE9), (0x11F50, 0x11F59),
    (0x16130, 0x16139), (0x16A60, 0x16A69), (0x16AC0, 0x16AC9), (0x16B50, 0x16B59),
    (0x16D70, 0x16D79), (0x1CCF0, 0x1CCF9), (0x1D7CE, 0x1D7FF), (0x1E140, 0x1E149),
    (0x1E2F0, 0x1E2F9), (0x1E4F0, 0x1E4F9), (0x1E5F1, 0x1E5FA), (0x1E950, 0x1E959),
    (0x1FBF0, 0x1FBF9),
]
NOT_NFC_STABLE_RANGES = [
    (0x0300, 0x034E), (0x0350, 0x036F), (0x0374, 0x0374), (0x037E, 0x037E), (0x0387, 0x0387),
    (0x0483, 0x0487), (0x0591, 0x05BD), (0x05BF, 0x05BF), (0x05C1, 0x05C2), (0x05C4, 0x05C5),
    (0x05C7, 0x05C9), (0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06DC),
    (0x06DF, 0x06E4), (0x06E7, 0x06E8), (0x06EA, 0x06ED), (0x0711, 0x0711), (0x0730, 0x074A),
    (0x07EB, 0x07F3), (0x07FD, 0x07FD), (0x0816, 0x0819), (0x081B, 0x0823), (0x0825, 0x0827),
    (0x0829, 0x082D), (0x0859, 0x085B), (0x0897, 0x089F), (0x08CA, 0x08E1), (0x08E3, 0x08FF),
    (0x093C, 0x093C), (0x094D, 0x094D), (0x0951, 0x0954), (0x0958, 0x095F), (0x09BC, 0x09BC),
    (0x09BE, 0x09BE), (0x09CD, 0x09CD), (0x09D7, 0x09D7), (0x09DC, 0x09DD), (0x09DF, 0x09DF),
    (0x09FE, 0x09FE), (0x0A33, 0x0A33), (0x0A36, 0x0A36), (0x0A3C, 0x0A3C), (0x0A4D, 0x0A4D),
    (0x0A59, 0x0A5B), (0x0A5E, 0x0A5E), (0x0ABC, 0x0ABC), (0x0ACD, 0x0ACD), (0x0B3C, 0x0B3C),
    (0x0B3E, 0x0B3E), (0x0B4D, 0x0B4D), (0x0B56, 0x0B57), (0x0B5C, 0x0B5D), (0x0BBE, 0x0BBE),
    (0x0BCD, 0x0BCD), (0x0BD7, 0x0BD7), (0x0C3C, 0x0C3C), (0x0C4D, 0x0C4D), (0x0C55, 0x0C56),
    (0x0CBC, 0x0CBC), (0x0CC2, 0x0CC2), (0x0CCD, 0x0CCD), (0x0CD5, 0x0CD6), (0x0D3B, 0x0D3C),
    (0x0D3E, 0x0D3E), (0x0D4D, 0x0D4D), (0x0D57, 0x0D57), (0x0DCA, 0x0DCA), (0x0DCF, 0x0DCF),
    (0x0DDF, 0x0DDF), (0x0E38, 0x0E3A), (0x0E48, 0x0E4B), (0x0EB8, 0x0EBA), (0x0EC8, 0x0ECB),
    (0x0F18, 0x0F19), (0x0F35, 0x0F35), (0x0F37, 0x0F37), (0x0F39, 0x0F39), (0x0F43, 0x0F43),
    (0x0F4D, 0x0F4D), (0x0F52, 0x0F52), (0x0F57, 0x0F57), (0x0F5C, 0x0F5C), (0x0F69, 0x0F69),
    (0x0F71, 0x0F76), (0x0F78, 0x0F78), (0x0F7A, 0x0F7D), (0x0F80, 0x0F84), (0x0F86, 0x0F87),
    (0x0F93, 0x0F93), (0x0F9D, 0x0F9D), (0x0FA2, 0x0FA2), (0x0FA7, 0x0FA7), (0x0FAC, 0x0FAC),
    (0x0FB9, 0x0FB9), (0x0FC6, 0x0FC6), (0x102E, 0x102E), (0x1037, 0x1037), (0x1039, 0x103A),
    (0x108D, 0x108D), (0x1161, 0x1175), (0x11A8, 0x11C2), (0x135D, 0x135F), (0x1714, 0x1715),
    (0x1734, 0x1734), (0x17D2, 0x17D2), (0x17DD, 0x17DD), (0x18A9, 0x18A9), (0x1939, 0x193B),
    (0x1A17, 0x1A18), (0x1A60, 0x1A60), (0x1A75, 0x1A7C), (0x1A7F, 0x1A7F), (0x1AB0, 0x1ABD),
    (0x1ABF, 0x1AF0), (0x1B34, 0x1B35), (0x1B44, 0x1B44), (0x1B6B, 0x1B73), (0x1BAA, 0x1BAB),
    (0x1BE6, 0x1BE6), (0x1BF2, 0x1BF3), (0x1C37, 0x1C37), (0x1CD0, 0x1CD2), (0x1CD4, 0x1CE0),
    (0x1CE2, 0x1CE8), (0x1CED, 0x1CED), (0x1CF4, 0x1CF4), (0x1CF8, 0x1CF9), (0x1DC0, 0x1DFF),
    (0x1F71, 0x1F71), (0x1F73, 0x1F73), (0x1F75, 0x1F75), (0x1F77, 0x1F77), (0x1F79, 0x1F79),
    (0x1F7B, 0x1F7B), (0x1F7D, 0x1F7D), (0x1FBB, 0x1FBB), (0x1FBE, 0x1FBE), (0x1FC9, 0x1FC9),
    (0x1FCB, 0x1FCB), (0x1FD3, 0x1FD3), (0x1FDB, 0x1FDB), (0x1FE3, 0x1FE3), (0x1FEB, 0x1FEB),
    (0x1FEE, 0x1FEF), (0x1FF9, 0x1FF9), (0x1FFB, 0x1FFB), (0x1FFD, 0x1FFD), (0x2000, 0x2001),
    (0x20D0, 0x20DC), (0x20E1, 0x20E1), (0x20E5, 0x20F0), (0x2126, 0x2126), (0x212A, 0x212B),
    (0x2329, 0x232A), (0x2ADC, 0x2ADC), (0x2CEF, 0x2CF1), (0x2D7F, 0x2D7F), (0x2DE0, 0x2DFF),
    (0x302A, 0x302F), (0x3099, 0x309A), (0xA66F, 0xA66F), (0xA674, 0xA67D), (0xA69E, 0xA69F),
    (0xA6F0, 0xA6F1), (0xA806, 0xA806), (0xA82C, 0xA82C), (0xA8C4, 0xA8C4), (0xA8E0, 0xA8F1),
    (0xA92B, 0xA92D), (0xA953, 0xA953), (0xA9B3, 0xA9B3), (0xA9C0, 0xA9C0), (0xAAB0, 0xAAB0),
    (0xAAB2, 0xAAB4), (0xAAB7, 0xAAB8), (0xAABE, 0xAABF), (0xAAC1, 0xAAC1), (0xAAF6, 0xAAF6),
    (0xABED, 0xABED), (0xF900, 0xFA0D), (0xFA10, 0xFA10), (0xFA12, 0xFA12), (0xFA15, 0xFA1E),
    (0xFA20, 0xFA20), (0xFA22, 0xFA22), (0xFA25, 0xFA26), (0xFA2A, 0xFA6D), (0xFA70, 0xFAD9),
    (0xFB1D, 0xFB1F), (0xFB2A, 0xFB36), (0xFB38, 0xFB3C), (0xFB3E, 0xFB3E), (0xFB40, 0xFB41),
    (0xFB43, 0xFB44), (0xFB46, 0xFB4E), (0xFE20, 0xFE2F), (0x101FD, 0x101FD),
    (0x102E0, 0x102E0), (0x10376, 0x1037A), (0x10A0D, 0x10A0D), (0x10A0F, 0x10A0F),
    (0x10A38, 0x10A3A), (0x10A3F, 0x10A3F), (0x10AE5, 0x10AE6), (0x10D24, 0x10D27),
    (0x10D69, 0x10D6D), (0x10EAB, 0x10EAC), (0x10ECB, 0x10ECF), (0x10EF0, 0x10EFB),
    (0x10EFD, 0x10EFF), (0x10F46, 0x10F50), (0x10F82, 0x10F85), (0x11046, 0x11046),
    (0x11070, 0x11070), (0x1107F, 0x1107F), (0x110B9, 0x110BA), (0x11100, 0x11102),
    (0x11127, 0x11127), (0x11133, 0x11134), (0x11173, 0x11173), (0x111C0, 0x111C0),
    (0x111CA, 0x111CA), (0x11235, 0x11236), (0x112E9, 0x112EA), (0x1133B, 0x1133C),
    (0x1133E, 0x1133E), (0x1134D, 0x1134D), (0x11357, 0x11357), (0x11366, 0x1136C),
    (0x11370, 0x11374), (0x113B8, 0x113B8), (0x113BB, 0x113BB), (0x113C2, 0x113C2),
    (0x113C9, 0x113C9), (0x113CE, 0x113D0), (0x11442, 0x11442), (0x11446, 0x11446),
    (0x1145E, 0x1145E), (0x114B0, 0x114B0), (0x114BA, 0x114BA), (0x114BD, 0x114BD),
    (0x114C2, 0x114C3), (0x115AF, 0x115AF), (0x115BF, 0x115C0), (0x1163F, 0x1163F),
    (0x116B6, 0x116B7), (0x1172B, 0x1172B), (0x11839, 0x1183A), (0x11930, 0x11930),
    (0x1193D, 0x1193E), (0x11943, 0x11943), (0x119E0, 0x119E0), (0x11A34, 0x11A34),
    (0x11A47, 0x11A47), (0x11A99, 0x11A99), (0x11C3F, 0x11C3F), (0x11D42, 0x11D42),
    (0x11D44, 0x11D45), (0x11D97, 0x11D97), (0x11F41, 0x11F42), (0x1611E, 0x16120),
    (0x16129, 0x16129), (0x1612F, 0x1612F), (0x16AF0, 0x16AF4), (0x16B30, 0x16B36),
    (0x16D67, 0x16D67), (0x16FF0, 0x16FF1), (0x1BC9E, 0x1BC9E), (0x1D127, 0x1D128),
    (0x1D15E, 0x1D169), (0x1D16D, 0x1D172), (0x1D17B, 0x1D182), (0x1D185, 0x1D18B),
    (0x1D1AA, 0x1D1AD), (0x1D1BB, 0x1D1C0), (0x1D242, 0x1D244), (0x1D250, 0x1D252),
    (0x1D25B, 0x1D25C), (0x1D25F, 0x1D25F), (0x1D280, 0x1D281), (0x1E000, 0x1E006),
    (0x1E008, 0x1E018), (0x1E01B, 0x1E021), (0x1E023, 0x1E024), (0x1E026, 0x1E02A),
    (0x1E08F, 0x1E08F), (0x1E130, 0x1E136), (0x1E2AE, 0x1E2AE), (0x1E2EC, 0x1E2EF),
    (0x1E4EC, 0x1E4EF), (0x1E5EE, 0x1E5EF), (0x1E6E3, 0x1E6E3), (0x1E6E6, 0x1E6E6),
    (0x1E6EE, 0x1E6EF), (0x1E6F5, 0x1E6F5), (0x1E8D0, 0x1E8D6), (0x1E944, 0x1E94A),
    (0x2F800, 0x2FA1D),
]

MAX_HINT_DIGITS = 4

def in_ranges(ranges, cp):
    return any(lo <= cp <= hi for lo, hi in ranges)

def parse(b: bytes):
    if not b:
        raise Err("truncated", "version")
    if b[0] != 1:
        raise Err("unsupported_version")
    if len(b) < 5:
        raise Err("truncated", "key_id")
    r = R(b); r.p = 5
    subject = r.raw(12, "subject")
    colour = r.u32("colour")
    if colour > 3:
        raise Err("unknown_enum_value", "colour")
    issued = int.from_bytes(r.raw(4, "issued_at"), "little")
    validity = r.u32("validity")
    if validity == 0 or validity > (1 << 21) - 1:
        raise Err("out_of_range", "validity")
    tag = r.u32("test")
    if tag > 3:
        raise Err("unknown_enum_value", "test")
    test = None
    if tag:
        age = r.u32("test")
        if age > (1 << 21) - 1 or age > issued:
            raise Err("out_of_range", "test")
        test = (["negative", "positive", "pending"][tag - 1], issued - age)
    t = r.byte("vaccination")
    if t > 1:
        raise Err("unknown_enum_value", "vaccination")
    vacc = None
    if t:
        doses = r.byte("vaccination")
        days = r.u16("vaccination")
        if doses == 0:
            raise Err("out_of_range", "vaccination")
        vacc = (doses, days)
    t = r.byte("display_hint")
    if t > 1:
        raise Err("unknown_enum_value", "display_hint")
    hint = None
    if t:
        n = r.u32("display_hint")
        if n > 32:
            raise Err("field_too_long", "display_hint")
        raw = r.raw(n, "display_hint")
        try:
            s = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Err("invalid_text", "display_hint")
        if n == 0:
            raise Err("out_of_range", "display_hint")
        if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or is_format(ord(c)) for c in s):
            raise Err("invalid_text", "display_hint")
        if any(in_ranges(NOT_NFC_STABLE_RANGES, ord(c)) for c in s):
            raise Err("not_nfc", "display_hint")
        if sum(1 for c in s if in_ranges(DECIMAL_DIGIT_RANGES, ord(c))) > MAX_HINT_DIGITS:
            raise Err("too_many_digits", "display_hint")
        hint = s
    rest = len(b) - r.p
    if rest < 64:
        raise Err("truncated", "signature")
    if rest > 64:
        raise Err("trailing_bytes")
    if r.noncanon:
        raise Err("non_canonical")
    return dict(key_id=b[1:5], subject=subject, colour=["green", "yellow", "red", "dark-red"][colour],
                issued=issued, expires=issued + validity, test=test, vacc=vacc, hint=hint,
                body=b[:r.p], sig=b[r.p:])

# --- Ed25519, cofactored, strict encodings (from the spec) ---
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

def add(p1, p2):
    x1, y1, z1, t1 = p1; x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P; b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P; d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)

def mul(s, pt):
    q = (0, 1, 1, 0)
    while s:
        if s & 1:
            q = add(q, pt)
        pt = add(pt, pt); s >>= 1
    return q

def neg(p):
    x, y, z, t = p
    return ((-x) % P, y, z, (-t) % P)

def is_identity(p):
    x, y, z, t = p
    return x % P == 0 and (y - z) % P == 0

def decompress(b):
    y = int.from_bytes(b, "little")
    sign = y >> 255; y &= (1 << 255) - 1
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        if sign:
            return None
        x = 0
    else:
        x = pow(x2, (P + 3) // 8, P)
        if (x * x - x2) % P:
            x = x * SQRT_M1 % P
        if (x * x - x2) % P:
            return None
        if (x & 1) != sign:
            x = P - x
    pt = (x, y, 1, x * y % P)
    if is_identity(mul(8, pt)):
        return None  # small order
    return pt

GY = 4 * pow(5, P - 2, P) % P
B = decompress(GY.to_bytes(32, "little"))

def load_key(a):
    return decompress(a)

def verify(A_bytes, A, msg, sig):
    if A is None:
        return False
    s = int.from_bytes(sig[32:], "little")
    if s >= L:
        return False
    Rp = decompress(sig[:32])
    if Rp is None:
        return False
    k = int.from_bytes(hashlib.sha512(sig[:32] + A_bytes + msg).digest(), "little") % L
    e = add(add(mul(s, B), neg(Rp)), neg(mul(k, A)))
    return is_identity(mul(8, e))

def key_id(pk):
    return hashlib.sha256(b"qrseal/v1/key-id" + pk).digest()[:4]

def verify_token(text, keys, now, skew):
    b = decode_text(text)
    t = parse(b)
    cands = [(pk, pt) for pk, pt in keys if key_id(pk) == t["key_id"]]
    if not cands:
        raise Err("unknown_key")
    if now >= t["expires"] + skew:
        raise Err("expired", by=max(0, now - t["expires"]))
    if now + skew < t["issued"]:
        raise Err("not_yet_valid", by=t["issued"] - now)
    for pk, pt in cands:
        if verify(pk, pt, b"qrseal/v1/token" + t["body"], t["sig"]):
            return t
    raise Err("bad_signature")

# --- Trust data (SPEC section 17) ---
U64_MAX = 2**64 - 1
MAX_VALIDITY = (1 << 21) - 1

def u64(b, at):
    return int.from_bytes(b[at:at + 8], "little")

class ListReader:
    """17.2/17.3: magic, version, then fields; every failure is a list_* code."""
    def __init__(self, b, magic):
        self.b, self.p = b, 0
        n = min(len(b), 4)
        if b[:n] != magic[:n]:
            raise Err("list_wrong_magic")
        self.take(4)
        v = self.take(1)[0]
        if v != 1:
            raise Err("list_unsupported_version")
    def take(self, n):
        if self.p + n > len(self.b):
            raise Err("list_truncated")
        v = self.b[self.p:self.p + n]; self.p += n
        return v
    def info(self):
        seq, issued, nub = (int.from_bytes(self.take(8), "little") for _ in range(3))
        if seq == 0:
            raise Err("list_zero_sequence")
        if nub <= issued:
            raise Err("list_next_update_not_after_issue")
        return seq, issued, nub
    def finish(self):
        body = self.b[:self.p]
        rest = len(self.b) - self.p
        if rest > 64:
            raise Err("list_trailing_bytes")
        if rest < 64:
            raise Err("list_truncated")
        return body, self.b[self.p:]

def parse_trust_list(b):
    r = ListReader(b, b"QSTL")
    root_id = r.take(4)
    seq, issued, nub = r.info()
    count = int.from_bytes(r.take(2), "little")
    if count > 1024:
        raise Err("list_too_many_keys")
    raw = r.take(77 * count)
    keys, prev = [], None
    for i in range(count):
        e = raw[77 * i:77 * (i + 1)]
        kid, pk = e[:4], e[4:36]
        if key_id(pk) != kid:
            raise Err("list_key_id_mismatch")
        sf, su, af, au = u64(e, 36), u64(e, 44), u64(e, 52), u64(e, 60)
        if sf >= su:
            raise Err("list_empty_signing_window")
        if af >= au:
            raise Err("list_empty_acceptance_window")
        state, since = e[68], u64(e, 69)
        if state in (0, 1) and since != 0:
            raise Err("list_stray_compromise_time")
        if state > 2:
            raise Err("list_unknown_key_state")
        if prev is not None and prev >= (kid, pk):
            raise Err("list_keys_out_of_order")
        prev = (kid, pk)
        keys.append(dict(pk=pk, kid=kid, sign=(sf, su), accept=(af, au),
                         since=since if state == 2 else None))
    body, sig = r.finish()
    return dict(root_id=root_id, seq=seq, issued=issued, nub=nub, keys=keys, body=body, sig=sig)

def parse_revocation_list(b):
    r = ListReader(b, b"QSRL")
    kind = r.take(1)[0]
    if kind > 1:
        raise Err("list_unknown_kind")
    signer = r.take(4)
    seq, issued, nub = r.info()
    if kind == 1 and seq == 1:
        raise Err("list_delta_sequence_one")
    state = r.take(32)
    base = r.take(32)
    if kind == 0 and base != bytes(32):
        raise Err("list_base_state_on_full")
    count = int.from_bytes(r.take(4), "little")
    if count > 1 << 24:
        raise Err("list_too_many_entries")
    raw = r.take(16 * count)
    entries, prev = {}, None
    for i in range(count):
        subj = raw[16 * i:16 * i + 12]
        if prev is not None and prev >= subj:
            raise Err("list_subjects_out_of_order")
        prev = subj
        entries[subj] = int.from_bytes(raw[16 * i + 12:16 * i + 16], "little")
    if kind == 0 and state_id(entries) != state:
        raise Err("list_state_mismatch")
    body, sig = r.finish()
    return dict(delta=kind == 1, signer=signer, seq=seq, issued=issued, nub=nub,
                state=state, base=base if kind == 1 else None,
                entries=entries, body=body, sig=sig)

def state_id(entries):
    """17.3: SHA-256 of the domain, then every entry (subject, u32 LE time) by subject."""
    h = hashlib.sha256(b"qrseal/v1/revocation-state")
    for subj in sorted(entries):
        h.update(subj + entries[subj].to_bytes(4, "little"))
    return h.digest()

class Store:
    def __init__(self, root_pk, skew, grace):
        self.root_pk, self.root = root_pk, load_key(root_pk)
        self.skew, self.grace = skew, grace
        self.keys = []            # (pk, point, entry)
        self.trust = None         # (seq, issued, nub)
        self.revs = None          # dict(seq, issued, nub, entries)
        self.floor = 0
        # Checkpoint pairs (sequence, issue time of the list at that sequence), 17.10.
        self.cp_trust, self.cp_trust_at, self.cp_revs, self.cp_revs_at = 0, 0, 0, 0

    def not_from_future(self, l, now):
        if l["issued"] > min(now + self.skew, U64_MAX):
            raise Err("list_from_future", issued_at_unix=l["issued"])

    def load_trust_list(self, b, now):
        l = parse_trust_list(b)
        if l["root_id"] != key_id(self.root_pk):
            raise Err("wrong_root")
        if not verify(self.root_pk, self.root, b"qrseal/v1/trust-list" + l["body"], l["sig"]):
            raise Err("forged_list")
        self.not_from_future(l, now)
        if l["seq"] < self.cp_trust:
            raise Err("rollback", held=self.cp_trust, got=l["seq"])
        if self.trust and l["issued"] < self.trust[1]:
            raise Err("backdated_list")
        if self.cp_trust and l["seq"] >= self.cp_trust and l["issued"] < self.cp_trust_at:
            raise Err("backdated_list")
        keys = []
        for e in l["keys"]:
            pt = load_key(e["pk"])
            if pt is None:
                raise Err("invalid_key")
            keys.append((e["pk"], pt, e))
        self.keys = keys
        self.trust = (l["seq"], l["issued"], l["nub"])
        self.cp_trust, self.cp_trust_at = raise_pair(self.cp_trust, self.cp_trust_at, l["seq"], l["issued"])
        self.floor = max(self.floor, l["issued"])
        return l["seq"]

    def load_revocations(self, b, now):
        l = parse_revocation_list(b)
        t = l["issued"]
        allowed = [(pk, pt) for pk, pt, e in self.keys if key_id(pk) == l["signer"]
                   and e["sign"][0] <= t < e["sign"][1] and e["since"] is None]
        if not allowed:
            raise Err("unknown_list_signer")
        msg = b"qrseal/v1/revocations" + l["body"]
        if not any(verify(pk, pt, msg, l["sig"]) for pk, pt in allowed):
            raise Err("forged_list")
        self.not_from_future(l, now)
        held, got = (self.revs["seq"] if self.revs else 0), l["seq"]
        if not l["delta"]:
            if got < held:
                raise Err("rollback", held=held, got=got)
            entries = dict(l["entries"])
        else:
            if self.revs is not None and got <= held:
                raise Err("delta_out_of_order", held=held, got=got)
            if self.revs is None or got != held + 1:
                raise Err("delta_gap", held=held, got=got)
            if l["base"] != self.revs["state"]:
                raise Err("delta_wrong_base")
            entries = dict(self.revs["entries"])
            for s, t2 in l["entries"].items():
                entries[s] = max(entries.get(s, 0), t2)
        if self.revs is not None and l["issued"] < self.revs["issued"]:
            raise Err("backdated_list")
        if self.cp_revs and got >= self.cp_revs and l["issued"] < self.cp_revs_at:
            raise Err("backdated_list")
        self.revs = dict(seq=got, issued=l["issued"], nub=l["nub"], state=l["state"], entries=entries)
        self.cp_revs, self.cp_revs_at = raise_pair(self.cp_revs, self.cp_revs_at, got, l["issued"])
        self.floor = max(self.floor, l["issued"])
        return got

    def staleness(self, now):
        best = None
        for data, hdr in (("trust_list", self.trust),
                          ("revocations", self.revs and (self.revs["seq"], self.revs["issued"], self.revs["nub"]))):
            if hdr and now >= hdr[2] + self.grace:
                s = dict(data=data, age_secs=max(0, now - hdr[1]), overdue_secs=max(0, now - hdr[2]))
                if best is None or s["overdue_secs"] >= best["overdue_secs"]:
                    best = s
        return best

    def key_refusal(self, e, issued, now):
        kid = key_id(e["pk"])
        if e["since"] is not None and (now >= e["since"] or issued >= e["since"]):
            return Err("key_compromised", since=e["since"])
        af, au = e["accept"]
        if now + self.skew < af or now >= min(au + self.skew, U64_MAX):
            return Err("key_not_accepted")
        sf, su = e["sign"]
        if not (sf <= issued < su):
            return Err("outside_signing_window")
        return None

    def verify(self, text, now):
        loaded = self.revs["seq"] if self.revs else 0
        if loaded < self.cp_revs:
            raise Err("revocations_behind", loaded=loaded, required=self.cp_revs)
        if now + self.skew < self.floor:
            raise Err("clock_behind", by=self.floor - now)
        t = parse(decode_text(text))
        cands = [(pk, pt, e) for pk, pt, e in self.keys if key_id(pk) == t["key_id"]]
        cands.sort(key=lambda c: c[0])
        if not cands:
            raise Err("unknown_key")
        refusals = [self.key_refusal(e, t["issued"], now) for _, _, e in cands]
        if all(refusals):
            raise refusals[0]
        if now >= t["expires"] + self.skew:
            raise Err("expired", by=max(0, now - t["expires"]))
        if now + self.skew < t["issued"]:
            raise Err("not_yet_valid", by=t["issued"] - now)
        msg = b"qrseal/v1/token" + t["body"]
        if not any(r is None and verify(pk, pt, msg, t["sig"]) for (pk, pt, _), r in zip(cands, refusals)):
            raise Err("bad_signature")
        before = self.revs["entries"].get(t["subject"]) if self.revs else None
        if before is not None and t["issued"] < before:
            raise Err("revoked", before=before)
        self.floor = max(self.floor, t["issued"])
        return t, self.staleness(now)

    def checkpoint(self):
        return b"QSCP" + b"".join(v.to_bytes(8, "little") for v in (
            self.floor, self.cp_trust, self.cp_trust_at, self.cp_revs, self.cp_revs_at))

    def restore(self, b):
        if len(b) != 44 or b[:4] != b"QSCP":
            raise Err("invalid_checkpoint")
        self.floor = max(self.floor, u64(b, 4))
        self.cp_trust, self.cp_trust_at = raise_pair(self.cp_trust, self.cp_trust_at, u64(b, 12), u64(b, 20))
        self.cp_revs, self.cp_revs_at = raise_pair(self.cp_revs, self.cp_revs_at, u64(b, 28), u64(b, 36))

def raise_pair(seq, at, got_seq, got_at):
    """17.10: the pair with the higher sequence wins; on a tie the later time."""
    if got_seq > seq:
        return got_seq, got_at
    if got_seq == seq:
        return seq, max(at, got_at)
    return seq, at

def err_outcome(e):
    out = {"expect": e.code}
    out.update(e.extra)
    if e.by is not None:
        out["by_secs"] = e.by
    return out

def run_trust_step(sc, store, st):
    op = st["op"]
    try:
        if op == "load_trust_list":
            return store, {"expect": "ok", "sequence": store.load_trust_list(bytes.fromhex(st["list_hex"]), st["now_unix"])}
        if op == "load_revocations":
            return store, {"expect": "ok", "sequence": store.load_revocations(bytes.fromhex(st["list_hex"]), st["now_unix"])}
        if op == "verify":
            now = st["now_unix"]
            t, stale = store.verify(st["text"], now)
            out = {"expect": "ok", "issued_at_unix": t["issued"], "subject_hex": t["subject"].hex(),
                   "stale": stale}
            if "policy" in st:
                mx = st["policy"]["max_stale_secs"]
                d = evaluate({"accepted_colours": ["green"], "max_test_age_secs": None, "min_doses": 0}, t, now)
                if stale and mx is not None and stale["overdue_secs"] > mx:
                    d["denials"].append({"reason": "stale_trust_data", "data": stale["data"],
                                         "overdue_secs": stale["overdue_secs"], "max_secs": mx})
                d["admitted"] = not d["denials"]
                out["decision"] = d
            return store, out
        if op == "checkpoint":
            return store, {"checkpoint_hex": store.checkpoint().hex()}
        if op == "restore_checkpoint":
            store.restore(bytes.fromhex(st["checkpoint_hex"]))
            return store, {"expect": "ok"}
        if op == "restart":
            return new_store(sc), {}
        if op == "state":
            return store, {"trust_list_sequence": store.trust[0] if store.trust else None,
                           "revocation_sequence": store.revs["seq"] if store.revs else None,
                           "revoked_count": len(store.revs["entries"]) if store.revs else 0}
    except Err as e:
        return store, err_outcome(e)
    raise SystemExit(f"unknown op {op}")

def new_store(sc):
    return Store(bytes.fromhex(sc["root_public_key_hex"]), sc["skew_secs"], sc["grace_secs"])

INPUTS = ("op", "note", "list_hex", "text", "now_unix", "now", "policy")

def check_trust(root):
    failures, steps = 0, 0
    doc = json.load(open(f"{root}/trust.json"))
    for k in doc["keys"]:
        assert key_id(bytes.fromhex(k["public_key_hex"])).hex() == k["key_id_hex"], k["name"]
    for sc in doc["scenarios"]:
        store = new_store(sc)
        for i, st in enumerate(sc["steps"]):
            steps += 1
            want = {k: v for k, v in st.items() if k not in INPUTS
                    and not (st["op"] == "restore_checkpoint" and k == "checkpoint_hex")}
            store, got = run_trust_step(sc, store, st)
            if got != want:
                failures += 1
                print("TRUST MISMATCH", sc["name"], i, st["note"], "expected", want, "got", got)
    print(f"trust.json: {len(doc['scenarios'])} scenarios, {steps} steps checked")
    return failures

def claims_match(t, c):
    exp = {
        "subject": t["subject"].hex(), "colour": t["colour"],
        "issued_at_unix": t["issued"], "expires_at_unix": t["expires"],
        "display_hint": t["hint"],
    }
    if any(c[k] != v for k, v in exp.items()):
        return False
    test = None if t["test"] is None else {"result": t["test"][0], "collected_at_unix": t["test"][1]}
    got_test = None if c["test"] is None else {k: c["test"][k] for k in ("result", "collected_at_unix")}
    vacc = None if t["vacc"] is None else {"doses": t["vacc"][0], "last_dose_days": t["vacc"][1]}
    got_vacc = None if c["vaccination"] is None else {k: c["vaccination"][k] for k in ("doses", "last_dose_days")}
    life = t["expires"] - t["issued"]
    refresh = t["issued"] + life // 2 + spread(t["subject"], life // 4 + 1)
    return test == got_test and vacc == got_vacc and refresh == c["refresh_at_unix"]

def spread(subject, m):
    return int.from_bytes(subject[:8], "little") % m if m else 0

def evaluate(policy, t, now):
    denials = []
    if t["colour"] not in policy["accepted_colours"]:
        denials.append({"reason": "colour", "colour": t["colour"]})
    max_age = policy["max_test_age_secs"]
    if max_age is not None:
        if t["test"] is None:
            denials.append({"reason": "no_test"})
        elif t["test"][0] != "negative":
            denials.append({"reason": "test_not_negative", "result": t["test"][0]})
        elif max(0, now - t["test"][1]) > max_age:
            denials.append({"reason": "test_too_old", "age_secs": max(0, now - t["test"][1]),
                            "max_secs": max_age})
    doses = t["vacc"][0] if t["vacc"] else 0
    if doses < policy["min_doses"]:
        denials.append({"reason": "too_few_doses", "doses": doses, "min": policy["min_doses"]})
    return {"admitted": not denials, "denials": denials}

def normalise(id_number):
    ws = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B)) + \
        "\u2028\u2029\u202f\u205f\u3000"
    s = id_number.strip(ws)
    if not s or len(s.encode()) > 64 or not all(c.isascii() and c.isalnum() for c in s):
        return None
    return s.upper()

# ---- Collection journal (SPEC §18), written from the SPEC text ----

JOURNAL_COLOURS = ["green", "yellow", "red", "dark-red"]
JOURNAL_REASONS = ["full", "by_hand", "replaced"]

def journal_id_ok(b):
    return 1 <= len(b) <= 64 and all(chr(c).isascii() and (chr(c).isalnum() or chr(c) in "._-") for c in b)

def read_journal(data):
    """Returns ("error", code) or the expected object of journal.json."""
    import zlib
    if data[:8] != b"QSJOURNL":
        return ("error", "journal_unsupported")
    if len(data) < 12 or int.from_bytes(data[8:10], "little") != 1:
        return ("error", "journal_unsupported")
    h = int.from_bytes(data[10:12], "little")
    if not 44 <= h <= 170 or len(data) < h or zlib.crc32(data[:h - 4]) != int.from_bytes(data[h - 4:h], "little"):
        return ("error", "journal_unsupported")
    ids, at = [], 36
    for _ in range(2):
        n = data[at] if at < h - 4 else None
        if n is None or at + 1 + n > h - 4 or not journal_id_ok(data[at + 1:at + 1 + n]):
            return ("error", "journal_unsupported")
        ids.append(data[at + 1:at + 1 + n].decode())
        at += 1 + n
    if at != h - 4:
        return ("error", "journal_unsupported")
    header = {"journal_id": data[12:28].hex(), "site": ids[0], "device": ids[1],
              "created_at": u64(data, 28)}
    st = {"scans": 0, "assignable": {}, "open": None, "last": 0, "barcodes": set(),
          "pending": {}, "acked": 0}
    records, off, tail = [], h, None
    while off < len(data):
        if len(data) - off < 5:
            tail = "torn"; break
        n = int.from_bytes(data[off:off + 4], "little")
        if n > 1024:
            tail = "bad_length"; break
        if len(data) - off < 9 + n:
            tail = "torn"; break
        if zlib.crc32(data[off:off + 5 + n]) != int.from_bytes(data[off + 5 + n:off + 9 + n], "little"):
            tail = "bad_checksum"; break
        t, p = data[off + 4], data[off + 5:off + 5 + n]
        r = journal_record(t, p)
        if r is None or not journal_apply(st, r):
            return ("error", "journal_damaged")
        r = dict({"offset": off}, **r)
        records.append(r)
        off += 9 + n
    if tail is not None and len(data) - off > 65536:
        return ("error", "journal_damaged")
    key = lambda tube: f"{header['journal_id']}-{tube}"
    pending = []
    for tube in sorted(st["pending"]):
        tb = st["pending"][tube]
        body = {"batch": key(tube), "site": header["site"], "device": header["device"],
                "tube": tb["barcode"], "opened_at": tb["opened_at"], "sealed_at": tb["sealed_at"],
                "samples": [{"subject": s["subject"], "kid": s["kid"], "colour": s["colour"],
                             "scanned_at": s["scanned_at"]} for s in tb["samples"]]}
        pending.append({"key": key(tube), "json": json.dumps(body, separators=(",", ":"), ensure_ascii=False)})
    o = st["open"]
    return {"header": header, "records": records,
            "tail": None if tail is None else {"offset": off, "reason": tail, "dropped_bytes": len(data) - off},
            "scans": st["scans"],
            "open_tube": None if o is None else {"tube": o["tube"], "barcode": o["barcode"], "samples": len(o["samples"])},
            "pending": pending, "acknowledged": st["acked"]}

def journal_record(t, p):
    if t == 1 and len(p) == 27 and p[16] < 4:
        return {"type": "scan", "subject": p[:12].hex(), "kid": p[12:16].hex(),
                "colour": JOURNAL_COLOURS[p[16]], "verdict": int.from_bytes(p[17:19], "little"),
                "scanned_at": u64(p, 19)}
    if t == 2 and len(p) >= 13 and len(p) == 13 + p[12] and journal_id_ok(p[13:]):
        return {"type": "tube_opened", "tube": int.from_bytes(p[:4], "little"),
                "barcode": p[13:].decode(), "opened_at": u64(p, 4)}
    if t == 3 and len(p) == 8:
        return {"type": "assigned", "scan": int.from_bytes(p[:4], "little"), "tube": int.from_bytes(p[4:], "little")}
    if t == 4 and len(p) == 13 and p[12] < 3:
        return {"type": "tube_sealed", "tube": int.from_bytes(p[:4], "little"), "sealed_at": u64(p, 4),
                "reason": JOURNAL_REASONS[p[12]]}
    if t == 5 and len(p) == 12:
        return {"type": "acknowledged", "tube": int.from_bytes(p[:4], "little"), "stored_at": u64(p, 4)}
    return None

def journal_apply(st, r):
    o = st["open"]
    if r["type"] == "scan":
        if r["verdict"] == 0:
            st["assignable"][st["scans"]] = r
        st["scans"] += 1
    elif r["type"] == "tube_opened":
        if o is not None or r["tube"] != st["last"] + 1 or r["barcode"] in st["barcodes"]:
            return False
        st["barcodes"].add(r["barcode"])
        st["last"] = r["tube"]
        st["open"] = {"tube": r["tube"], "barcode": r["barcode"], "opened_at": r["opened_at"], "samples": []}
    elif r["type"] == "assigned":
        s = st["assignable"].get(r["scan"])
        if o is None or o["tube"] != r["tube"] or s is None or len(o["samples"]) >= 100 \
                or any(x["subject"] == s["subject"] for x in o["samples"]):
            return False
        o["samples"].append(st["assignable"].pop(r["scan"]))
    elif r["type"] == "tube_sealed":
        if o is None or o["tube"] != r["tube"]:
            return False
        o["sealed_at"] = r["sealed_at"]
        if o["samples"]:
            st["pending"][o["tube"]] = o
        st["open"] = None
    elif r["type"] == "acknowledged":
        if r["tube"] not in st["pending"]:
            return False
        del st["pending"][r["tube"]]
        st["acked"] += 1
    return True

def check_journal(root):
    failures = 0
    doc = json.load(open(f"{root}/journal.json"))
    for c in doc["cases"]:
        data = bytes.fromhex(c["file_hex"]) + bytes(c["zero_bytes_after"])
        got = read_journal(data)
        exp = c["expected"]
        if isinstance(got, tuple):
            ok = exp == {"error": got[1]}
        else:
            ok = got == exp
        if not ok:
            failures += 1
            print("JOURNAL MISMATCH", c["name"], got if isinstance(got, tuple) else "", exp if "error" in exp else "")
    print(f"journal.json: {len(doc['cases'])} files read")
    return failures

def main(root):
    import hmac
    failures = 0
    doc = json.load(open(f"{root}/tokens.json"))
    keys = {k["name"]: bytes.fromhex(k["public_key_hex"]) for k in doc["keys"]}
    for k in doc["keys"]:
        assert key_id(keys[k["name"]]).hex() == k["key_id_hex"], k["name"]
    for c in doc["cases"]:
        trusted = [(keys[n], load_key(keys[n])) for n in c["trusted_keys"]]
        exp = c["expected"]
        for form in ("qr_text", "url_text"):
            if c[form] is None:
                continue
            try:
                t = verify_token(c[form], trusted, c["now_unix"], c["skew_secs"])
                got = "valid"
                ok = exp["valid"] and claims_match(t, exp["claims"]) and t["key_id"].hex() == exp["key_id"]
                if ok and "policy" in c:
                    ok = evaluate(c["policy"], t, c["now_unix"]) == c["expected_decision"]
            except Err as e:
                got = (e.code, e.field, e.by)
                ok = not exp["valid"] and e.code == exp["error"] and \
                    exp.get("field", e.field) == e.field and exp.get("by_secs", e.by) == e.by
            if not ok:
                failures += 1
                print("MISMATCH", c["name"], form, got, exp)
    print(f"tokens.json: {len(doc['cases'])} cases checked")

    ext = json.load(open(f"{root}/external/ed25519-validation-vectors.json"))
    ours = {v["number"]: v for v in json.load(open(f"{root}/ed25519.json"))["vectors"]}
    accepted = 0
    for v in ext:
        pk = bytes.fromhex(v["key"])
        a = verify(pk, load_key(pk), v["msg"].encode(), bytes.fromhex(v["sig"]))
        accepted += a
        if a != ours[v["number"]]["accepted"]:
            failures += 1
            print("ED25519 MISMATCH", v["number"], v["flags"], a)
    print(f"ed25519.json: {len(ext)} vectors checked, {accepted} accepted")

    subj = json.load(open(f"{root}/subjects.json"))
    secret = bytes.fromhex(subj["subject_secret_hex"])
    ttl, sp = subj["ttl_policy"]["ttl_secs"], subj["ttl_policy"]["spread_secs"]
    for s in subj["subjects"]:
        n = normalise(s["id_number"])
        subject = hmac.new(secret, b"qrseal/v1/subject" + n.encode(), hashlib.sha256).digest()[:12]
        expires = subj["issued_at_unix"] + ttl - spread(subject, sp + 1)
        if n != s["normalised"] or subject.hex() != s["subject_hex"] or expires != s["expires_at_unix"]:
            failures += 1
            print("SUBJECT MISMATCH", s)
    for r in subj["rejected_id_numbers"]:
        if normalise(r["id_number"]) is not None:
            failures += 1
            print("SUBJECT SHOULD BE REFUSED", r)
    print(f"subjects.json: {len(subj['subjects'])} hashed, {len(subj['rejected_id_numbers'])} refused")
    failures += check_trust(root)
    failures += check_journal(root)
    print("OK" if failures == 0 else f"{failures} FAILURES")
    sys.exit(1 if failures else 0)

if __name__ == "__main__":
    import os
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
