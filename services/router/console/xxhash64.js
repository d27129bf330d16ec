// XXH64 (xxHash, 64-bit, https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md)
// on BigInt, for the partition inspector: a key's partition is the top 16 bits
// of XXH64(hash key bytes, seed 0) (DESIGN §2; libs/keys partition.hpp).
// Checked against libxxhash by tests/console (console_headless.py).
"use strict";

const ropeXXH64 = (() => {
  const M = (1n << 64n) - 1n;
  const P1 = 11400714785074694791n;
  const P2 = 14029467366897019727n;
  const P3 = 1609587929392839161n;
  const P4 = 9650029242287828579n;
  const P5 = 2870177450012600261n;

  const rotl = (x, r) => ((x << r) | (x >> (64n - r))) & M;
  const mul = (a, b) => (a * b) & M;
  const add = (a, b) => (a + b) & M;

  function read64(b, p) {
    let v = 0n;
    for (let i = 7; i >= 0; --i) v = (v << 8n) | BigInt(b[p + i]);
    return v;
  }
  function read32(b, p) {
    return BigInt((b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) >>> 0) + (BigInt(b[p + 3]) << 24n);
  }
  function round(acc, input) {
    return mul(rotl(add(acc, mul(input, P2)), 31n), P1);
  }
  function merge(acc, v) {
    acc ^= round(0n, v);
    return add(mul(acc, P1), P4);
  }

  /** XXH64 of a Uint8Array, as a BigInt. */
  function xxh64(bytes, seed = 0n) {
    const len = bytes.length;
    let p = 0;
    let h;
    if (len >= 32) {
      let v1 = add(add(seed, P1), P2);
      let v2 = add(seed, P2);
      let v3 = seed;
      let v4 = (seed - P1) & M;
      for (; p + 32 <= len; p += 32) {
        v1 = round(v1, read64(bytes, p));
        v2 = round(v2, read64(bytes, p + 8));
        v3 = round(v3, read64(bytes, p + 16));
        v4 = round(v4, read64(bytes, p + 24));
      }
      h = add(add(rotl(v1, 1n), rotl(v2, 7n)), add(rotl(v3, 12n), rotl(v4, 18n)));
      h = merge(merge(merge(merge(h, v1), v2), v3), v4);
    } else {
      h = add(seed, P5);
    }
    h = add(h, BigInt(len));
    for (; p + 8 <= len; p += 8) {
      h ^= round(0n, read64(bytes, p));
      h = add(mul(rotl(h, 27n), P1), P4);
    }
    if (p + 4 <= len) {
      h ^= mul(read32(bytes, p), P1);
      h = add(mul(rotl(h, 23n), P2), P3);
      p += 4;
    }
    for (; p < len; ++p) {
      h ^= mul(BigInt(bytes[p]), P5);
      h = mul(rotl(h, 11n), P1);
    }
    h ^= h >> 33n;
    h = mul(h, P2);
    h ^= h >> 29n;
    h = mul(h, P3);
    h ^= h >> 32n;
    return h;
  }

  /** The partition (0..65535) of a hash key given as text (its UTF-8 bytes). */
  function partitionOf(hashKey) {
    return Number(xxh64(new TextEncoder().encode(hashKey)) >> 48n);
  }

  return { xxh64, partitionOf };
})();
