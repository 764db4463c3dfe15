#!/usr/bin/env python3
"""Writes a signed full revocation list of N entries, for measuring how `qrseal verify` and
`qrseal inspect-list` cope with the largest lists (scripts/measure-huge-revocation-list.sh).

    huge_revocation_list.py KEYDIR/issuer.key N OUT [--format current|v0]

`current` is the layout of docs/SPEC.md 17.3 (with the state ids); `v0` is the layout before
them (no state ids), to measure the binary of an older commit. The list is issued at
2026-11-21T00:00:00Z, next update a year later; subjects are 0..N-1 as big-endian numbers, each
revoked before 2026-11-21T00:00:00Z. Ed25519 signing (RFC 8032) uses the curve arithmetic of
the reference verifier.
"""
import base64, hashlib, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testvectors", "reference"))
from qrseal_ref import B, L, P, add, mul  # noqa: E402

ISSUED = 1_795_219_200
NEXT = ISSUED + 365 * 86_400


def compress(pt):
    x, y, z, _ = pt
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def seed_from_pem(path):
    text = open(path).read()
    der = base64.b64decode("".join(l for l in text.splitlines() if not l.startswith("-----")))
    # PKCS#8 Ed25519: the 32-byte seed is the last OCTET STRING (04 20 ...), at the end.
    i = der.rindex(b"\x04\x20")
    return der[i + 2:i + 34]


def sign(seed, msg):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    A = compress(mul(a, B))
    r = int.from_bytes(hashlib.sha512(h[32:] + msg).digest(), "little") % L
    R = compress(mul(r, B))
    k = int.from_bytes(hashlib.sha512(R + A + msg).digest(), "little") % L
    s = (r + k * a) % L
    return R + s.to_bytes(32, "little"), A


def main():
    key, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    fmt = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--format" else "current"
    seed = seed_from_pem(key)
    _, public = sign(seed, b"")
    key_id = hashlib.sha256(b"qrseal/v1/key-id" + public).digest()[:4]
    entries = bytearray(16 * n)
    t = ISSUED.to_bytes(4, "little")
    for i in range(n):
        entries[16 * i + 8:16 * i + 16] = i.to_bytes(4, "big") + t
    head = b"QSRL" + bytes([1, 0]) + key_id
    head += (1).to_bytes(8, "little") + ISSUED.to_bytes(8, "little") + NEXT.to_bytes(8, "little")
    if fmt == "current":
        state = hashlib.sha256(b"qrseal/v1/revocation-state")
        state.update(entries)
        head += state.digest() + bytes(32)
    head += n.to_bytes(4, "little")
    body = head + bytes(entries)
    domain = b"qrseal/v1/revocations"
    sig, _ = sign(seed, domain + body)
    with open(out, "wb") as f:
        f.write(body)
        f.write(sig)


if __name__ == "__main__":
    main()
