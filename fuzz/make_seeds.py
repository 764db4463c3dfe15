#!/usr/bin/env python3
"""Builds the committed seed corpora in fuzz/seeds/<target>/ from testvectors/tokens.json.

    python3 fuzz/make_seeds.py        # then commit fuzz/seeds/

Deterministic: file names are the case names (or a hash of the content), contents come only
from the test vectors, so re-running on unchanged vectors changes nothing. Image seeds are
rendered by the qrseal CLI (`qrseal render`), which must be built first
(`cargo build -p qrseal-cli`).

The seeds of trust_list, revocation_list and trust_store are signed lists, made in Rust by
verifier/tests/fuzz_seeds.rs (module trust_seeds):

    QRSEAL_WRITE_SEEDS=1 cargo test -p qrseal-verifier --features fuzzing --test fuzz_seeds
"""
import hashlib, json, os, pathlib, random, subprocess, sys

root = pathlib.Path(__file__).resolve().parent.parent
seeds = root / "fuzz" / "seeds"
cases = json.loads((root / "testvectors" / "tokens.json").read_text())["cases"]


def write(target, name, data: bytes):
    d = seeds / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


tokens = []
for c in cases:
    name = c["name"]
    if c.get("qr_text") is not None:
        write("text_decode", name + ".qr", c["qr_text"].encode())
        write("verify", name + ".qr", c["qr_text"].encode())
    if c.get("url_text") is not None:
        write("text_decode", name + ".url", c["url_text"].encode())
    if c.get("token_hex") is not None:
        raw = bytes.fromhex(c["token_hex"])
        write("token_parse", name, raw)
        write("verify", name + ".bin", raw)
        tokens.append(raw)

# Batches: consecutive groups of tokens joined by 0xff, the separator fuzzing::verify_batch uses.
for i in range(0, len(tokens), 5):
    write("verify_batch", f"batch-{i:03}", b"\xff".join(tokens[i:i + 5]))

# Policy inputs are 28 bytes interpreted field by field (verifier/src/fuzzing.rs).
rng = random.Random(20261121)
for i in range(16):
    write("policy", f"policy-{i:02}", bytes(rng.randrange(256) for _ in range(28)))

# Images: a few tokens rendered as small PNGs.
qrseal = root / "target" / "debug" / "qrseal"
if not qrseal.exists():
    sys.exit("build the CLI first: cargo build -p qrseal-cli")
for c in cases[:3]:
    if c.get("qr_text") is None:
        continue
    out = seeds / "image_decode" / (c["name"] + ".png")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    subprocess.run([str(qrseal), "render", c["qr_text"], "--png", str(out), "--module-size", "2"],
                   check=True, stderr=subprocess.DEVNULL)

# Journal files: every file of testvectors/journal.json (without its trailing zeros).
for c in json.loads((root / "testvectors" / "journal.json").read_text())["cases"]:
    write("journal_reader", c["name"], bytes.fromhex(c["file_hex"]))

for d in sorted(seeds.iterdir()):
    print(f"{d.name}: {len(list(d.iterdir()))} seeds")
