// Go's math package, bit for bit, as Prometheus runs it on amd64 (ported from and checked against
// Go 1.19.8, which Debian's Prometheus 2.42 is built with). JavaScript's Math is fdlibm (V8) and
// differs from Go in the last bit for many inputs, so every PromQL function and operator that
// calls into Go's math goes through these ports. What Go runs on amd64:
// - Exp and Log are assembly there (archExp, archLog); Exp takes its FMA path on every CPU with
//   AVX and FMA (Haswell, Zen and later), which is the one reproduced here.
// - Sqrt, Floor, Ceil, Trunc and Abs are single instructions, exact like JavaScript's.
// - everything else (Pow, Mod, Log2, Log10, Log1p, Exp2, the trigonometric, inverse and
//   hyperbolic functions, Frexp, Ldexp, Modf) is the portable Go code, ported below operation by
//   operation (Go's amd64 compiler neither fuses nor reorders floating-point operations).
// Constant expressions (4/Pi, 1/Ln10, 3*Pi/4 …) are Go's exact constant arithmetic rounded once.

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const LO = LITTLE ? 0 : 1;
const HI = LITTLE ? 1 : 0;

function hiWord(x: number): number {
  f64[0] = x;
  return u32[HI]!;
}

function fromWords(hi: number, lo: number): number {
  u32[HI] = hi;
  u32[LO] = lo;
  return f64[0]!;
}

const SMALLEST_NORMAL = 2.2250738585072014e-308;

/** Exact powers of two 2^-1074 … 2^1023 (Math.pow is not guaranteed exact). */
const POW2 = new Float64Array(2098);
{
  let p = 1;
  for (let n = 0; n <= 1023; n++, p *= 2) POW2[n + 1074] = p;
  p = 1;
  for (let n = -1; n >= -1074; n--) {
    p /= 2;
    POW2[n + 1074] = p;
  }
}

// --- Frexp, Ldexp, Modf ---

/** Go's math.Frexp: x = frac × 2^exp with |frac| in [0.5, 1). */
export function goFrexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let exp = 0;
  if (Math.abs(x) < SMALLEST_NORMAL) {
    x *= 4503599627370496; // 2^52, to read a subnormal's exponent from its bits
    exp = -52;
  }
  f64[0] = x;
  const hi = u32[HI]!;
  exp += ((hi >>> 20) & 0x7ff) - 1022;
  u32[HI] = (hi & 0x800fffff) | (1022 << 20);
  return [f64[0]!, exp];
}

/** Go's math.Ldexp: frac × 2^exp with one rounding, also into the subnormal range. */
export function goLdexp(frac: number, exp: number): number {
  if (frac === 0 || !Number.isFinite(frac)) return frac;
  const [f, e] = goFrexp(frac);
  exp += e;
  if (exp > 1024) return f < 0 ? -Infinity : Infinity;
  if (exp < -1074) return f < 0 ? -0 : 0;
  if (exp === 1024) return f * 2 * POW2[1023 + 1074]!;
  return f * POW2[exp + 1074]!;
}

/** Go's math.Modf: the integer part and the fraction, both with f's sign (so Modf(-3) = (-3, -0)). */
export function goModf(f: number): [number, number] {
  if (f < 1) {
    if (f < 0) {
      const [i, fr] = goModf(-f);
      return [-i, -fr];
    }
    if (f === 0) return [f, f];
    return [0, f];
  }
  const i = Math.trunc(f); // what clearing the fraction bits gives, NaN and Inf included
  return [i, f - i];
}

// --- fused multiply-add ---

const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitter

/**
 * a × b + c rounded once (IEEE 754 fusedMultiplyAdd, what VFMADD computes). The fast path is
 * Boldo and Melquiond's emulation (exact product and sum, their low parts added with rounding to
 * odd, then one rounding to nearest), valid away from overflow and underflow; outside that the
 * sum is formed exactly with BigInt.
 */
export function goFMA(a: number, b: number, c: number): number {
  const p = a * b;
  const ap = Math.abs(p);
  if (
    ap >= 1.1e-289 && // above 2^-960: the product's low part is exact
    ap < 1e300 &&
    Math.abs(a) < 1e290 && // the splits can neither overflow
    Math.abs(b) < 1e290 &&
    Math.abs(a) > 1e-290 && // nor lose bits below the normal range
    Math.abs(b) > 1e-290 &&
    Math.abs(c) < 1e300
  ) {
    // exact product p + e
    let t = SPLIT * a;
    const ah = t - (t - a);
    const al = a - ah;
    t = SPLIT * b;
    const bh = t - (t - b);
    const bl = b - bh;
    const e = al * bl - (((p - ah * bh) - al * bh) - ah * bl);
    // exact sum c + p = sh + sl
    const sh = c + p;
    const bv = sh - c;
    const sl = (c - (sh - bv)) + (p - bv);
    // v = sl + e rounded to odd
    let v = sl + e;
    const vb = v - sl;
    const err = (sl - (v - vb)) + (e - vb);
    if (err !== 0) {
      f64[0] = v;
      if ((u32[LO]! & 1) === 0) {
        // the even neighbour: step to the other one, towards the exact sum
        const up = (err > 0) === (v > 0);
        let lo = u32[LO]!;
        let hi = u32[HI]!;
        if (up) {
          lo = (lo + 1) >>> 0;
          if (lo === 0) hi++;
        } else {
          if (lo === 0) hi--;
          lo = (lo - 1) >>> 0;
        }
        v = fromWords(hi >>> 0, lo);
      }
    }
    return sh + v;
  }
  return fmaExact(a, b, c);
}

/** Mantissa and exponent of a finite nonzero double: |x| = m × 2^e, m an integer. */
function decompose(x: number): [bigint, number] {
  const [f, e] = goFrexp(Math.abs(x));
  return [BigInt(f * 9007199254740992), e - 53];
}

function fmaExact(a: number, b: number, c: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a * b + c;
  if (!Number.isFinite(c)) return c;
  if (a === 0 || b === 0) return a * b + c; // a signed zero plus c: IEEE's sign rules
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  let mp = ma * mb;
  const ep = ea + eb;
  if (a < 0 !== b < 0) mp = -mp;
  let m = mp;
  let e = ep;
  if (c !== 0) {
    const [mc0, ec] = decompose(c);
    const mc = c < 0 ? -mc0 : mc0;
    if (ec < ep) {
      m = (mp << BigInt(ep - ec)) + mc;
      e = ec;
    } else {
      m = mp + (mc << BigInt(ec - ep));
    }
  }
  if (m === 0n) return 0; // an exact zero sum of nonzero terms is +0
  const neg = m < 0n;
  if (neg) m = -m;
  const r = roundToDouble(m, e);
  return neg ? -r : r;
}

/** m × 2^e (m > 0) rounded to the nearest double, ties to even, with subnormals and overflow. */
function roundToDouble(m: bigint, e: number): number {
  const len = m.toString(2).length;
  // exponent of the last kept bit: 53 significant bits, but none below 2^-1074
  const q = Math.max(e + len - 53, -1074);
  let mant: bigint;
  if (q > e) {
    const sh = BigInt(q - e);
    mant = m >> sh;
    const rem = m - (mant << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (mant & 1n) === 1n)) mant++;
  } else mant = m << BigInt(e - q);
  // mant × 2^q, mant ≤ 2^53, exactly representable unless it overflows
  const n = Number(mant);
  if (q > 971) return Infinity;
  // exact: the result is representable, and the power of two is a double (q ≥ -1074)
  return n * POW2[q + 1074]!;
}

// --- exponentials and logarithms ---

const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const LOG2E = 1.4426950408889634; // Go's 1/Ln2 (also its LOG2E), rounded once
const INV_LN10 = 0.4342944819032518; // Go's 1/Ln10 (JavaScript's 1/Math.LN10 is one ulp lower)
const LN2 = 0.6931471805599453;
const SQRT1_2 = Math.SQRT1_2; // Go compares with Sqrt2/2, the same double

// archExp's constants (exp_amd64.s)
const EXP_OVERFLOW = 7.09782712893384e2;
const LN2U = 0.693147180559663;
const LN2L = 2.8235290563031577e-13;
const E2 = 0.16666666666666666;
const E3 = 0.041666666666666664;
const E4 = 0.008333333333333333;
const E5 = 0.001388888888888889;
const E6 = 0.0001984126984126984;
const E7 = 0.0000248015873015873;

/** CVTSD2SL: to int32, rounding half to even; out of range gives the "integer indefinite" -2^31. */
function cvtsd2sl(x: number): number {
  let r = Math.round(x);
  if (r - x === 0.5 && r % 2 !== 0) r -= 1; // Math.round takes halves up; the CPU to even
  if (r === 0) return 0; // an integer: no -0
  return r >= -2147483648 && r <= 2147483647 ? r : -2147483648;
}

/**
 * Go's math.Exp as amd64 runs it: archExp's FMA path (exp_amd64.s): k = round(x·log2e),
 * r = (x − k·ln2)/16, a Taylor polynomial for e^r − 1, squared four times, then scaled by 2^k.
 */
export function goExp(x: number): number {
  if (!(Math.abs(x) < Infinity)) return x === -Infinity ? 0 : x;
  if (x > EXP_OVERFLOW) return Infinity;
  const k = cvtsd2sl(LOG2E * x);
  // the assembly tests these after the polynomial, whose value then does not matter
  const b = k + 1023;
  if (b < -52) return 0;
  if (b >= 0x7ff) return Infinity;
  let r = goFMA(-k, LN2U, x);
  r = goFMA(-k, LN2L, r);
  r *= 0.0625;
  let p = goFMA(E7, r, E6);
  p = goFMA(p, r, E5);
  p = goFMA(p, r, E4);
  p = goFMA(p, r, E3);
  p = goFMA(p, r, E2);
  p = goFMA(p, r, 0.5);
  p = goFMA(p, r, 1);
  r *= p;
  r *= r + 2;
  r *= r + 2;
  r *= r + 2;
  r = goFMA(r + 2, r, 1);
  // r × 2^k, into the subnormal range in two steps (the first exact) as the assembly does
  if (b <= 0) return r * POW2[b - 1 + 1074]! * POW2[-1022 + 1074]!;
  return r * POW2[b - 1023 + 1074]!;
}

function expmulti(hi: number, lo: number, k: number): number {
  const r = hi - lo;
  const t = r * r;
  const c =
    r -
    t *
      (0.16666666666666666 +
        t * (-0.0027777777777015593 + t * (0.00006613756321437934 + t * (-0.0000016533902205465252 + t * 4.1381367970572385e-8))));
  const y = 1 - (lo - (r * c) / (2 - c) - hi);
  return goLdexp(y, k);
}

/** Go's math.Exp2 (the portable version, which amd64 uses). */
export function goExp2(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === -Infinity) return 0;
  if (x > 1.0239999999999999e3) return Infinity;
  if (x < -1.074e3) return 0;
  let k = 0;
  if (x > 0) k = Math.trunc(x + 0.5);
  else if (x < 0) k = Math.trunc(x - 0.5);
  const t = x - k;
  return expmulti(t * LN2_HI, -t * LN2_LO, k);
}

/**
 * Go's math.Log as the amd64 assembly computes it: the portable algorithm, except that the
 * exponent is read straight from the bits, so subnormal inputs come out wrong exactly as there.
 */
export function goLog(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x < 0) return NaN;
  if (x === 0) return -Infinity;
  f64[0] = x;
  const hi = u32[HI]!;
  let ki = ((hi >>> 20) & 0x7ff) - 1022;
  u32[HI] = (hi & 0x000fffff) | (1022 << 20);
  let f1 = f64[0]!;
  if (f1 < SQRT1_2) {
    f1 *= 2;
    ki--;
  }
  const f = f1 - 1;
  const k = ki;
  const s = f / (2 + f);
  const s2 = s * s;
  const s4 = s2 * s2;
  const t1 = s2 * (0.6666666666666735 + s4 * (0.2857142874366239 + s4 * (0.1818357216161805 + s4 * 0.14798198605116586)));
  const t2 = s4 * (0.3999999999940942 + s4 * (0.22222198432149784 + s4 * 0.15313837699209373));
  const R = t1 + t2;
  const hfsq = 0.5 * f * f;
  return k * LN2_HI - (hfsq - (s * (hfsq + R) + k * LN2_LO) - f);
}

/** Go's math.Log2: exact for powers of two, otherwise Log(frac)/Ln2 + exp. */
export function goLog2(x: number): number {
  const [frac, exp] = goFrexp(x);
  if (frac === 0.5) return exp - 1;
  return goLog(frac) * LOG2E + exp;
}

/** Go's math.Log10: Log(x) × (1/Ln10). */
export function goLog10(x: number): number {
  return goLog(x) * INV_LN10;
}

const SQRT2_MANT = 0x6a09e667f3bcd; // the mantissa bits of √2

/** Go's math.Log1p (fdlibm's algorithm, with Go's 64-bit test for a tiny f). */
export function goLog1p(x: number): number {
  if (x < -1 || Number.isNaN(x)) return NaN;
  if (x === -1) return -Infinity;
  if (x === Infinity) return Infinity;
  const absx = Math.abs(x);
  let f = 0;
  let iuZero = false;
  let k = 1;
  if (absx < 0.41421356237309503) {
    if (absx < 1 / 536870912) {
      if (absx < 1 / 18014398509481984) return x;
      return x - x * x * 0.5;
    }
    if (x > -0.2928932188134525) {
      k = 0;
      f = x;
    }
  }
  let c = 0;
  if (k !== 0) {
    let u: number;
    if (absx < 9007199254740992) {
      u = 1 + x;
      k = (hiWord(u) >>> 20) - 1023;
      c = k > 0 ? 1 - (u - x) : x - (u - 1);
      c /= u;
    } else {
      u = x;
      k = (hiWord(u) >>> 20) - 1023;
      c = 0;
    }
    f64[0] = u;
    const mhi = u32[HI]! & 0xfffff;
    const mlo = u32[LO]!;
    const mant = mhi * 4294967296 + mlo;
    if (mant < SQRT2_MANT) {
      u = fromWords(mhi | 0x3ff00000, mlo);
      iuZero = mant === 0;
    } else {
      k++;
      u = fromWords(mhi | 0x3fe00000, mlo);
      iuZero = mant > 0xffffffffffffc; // (2^52 − mant) >> 2 == 0
    }
    f = u - 1;
  }
  const hfsq = 0.5 * f * f;
  if (iuZero) {
    if (f === 0) {
      if (k === 0) return 0;
      c += k * LN2_LO;
      return k * LN2_HI + c;
    }
    const R = hfsq * (1 - 0.6666666666666666 * f);
    if (k === 0) return f - R;
    return k * LN2_HI - (R - (k * LN2_LO + c) - f);
  }
  const s = f / (2 + f);
  const z = s * s;
  const R =
    z *
    (0.6666666666666735 +
      z * (0.3999999999940942 + z * (0.2857142874366239 + z * (0.22222198432149784 + z * (0.1818357216161805 + z * (0.15313837699209373 + z * 0.14798198605116586))))));
  if (k === 0) return f - (hfsq - s * (hfsq + R));
  return k * LN2_HI - (hfsq - (s * (hfsq + R) + (k * LN2_LO + c)) - f);
}

// --- powers and remainders ---

function isOddInt(x: number): boolean {
  const [xi, xf] = goModf(x);
  // int64(xi)&1: beyond 2^53 every double is even, and beyond 2^63 the conversion gives -2^63
  return xf === 0 && Math.abs(xi) < 9007199254740992 && Math.abs(xi) % 2 === 1;
}

/** Go's math.Pow: repeated squaring on the integer part of y, Exp(yf·Log(x)) for the fraction. */
export function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (y === 1) return x;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === 0) {
    if (y < 0) {
      if (isOddInt(y)) return Object.is(x, -0) ? -Infinity : Infinity;
      return Infinity;
    }
    if (y > 0) return isOddInt(y) ? x : 0;
  } else if (y === Infinity || y === -Infinity) {
    if (x === -1) return 1;
    return (Math.abs(x) < 1) === (y === Infinity) ? 0 : Infinity;
  } else if (x === Infinity || x === -Infinity) {
    if (x === -Infinity) return goPow(1 / x, -y);
    if (y < 0) return 0;
    if (y > 0) return Infinity;
  } else if (y === 0.5) return Math.sqrt(x);
  else if (y === -0.5) return 1 / Math.sqrt(x);

  let [yi, yf] = goModf(Math.abs(y));
  if (yf !== 0 && x < 0) return NaN;
  if (yi >= 9223372036854775808) {
    if (x === -1) return 1;
    return (Math.abs(x) < 1) === y > 0 ? 0 : Infinity;
  }
  let a1 = 1;
  let ae = 0;
  if (yf !== 0) {
    if (yf > 0.5) {
      yf--;
      yi++;
    }
    a1 = goExp(yf * goLog(x));
  }
  let [x1, xe] = goFrexp(x);
  // i is an integer below 2^63 held exactly as a double: halving and flooring are exact
  for (let i = yi; i !== 0; i = Math.floor(i / 2)) {
    if (xe < -4096 || 4096 < xe) {
      ae += xe;
      break;
    }
    if (i % 2 === 1) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe *= 2;
    if (x1 < 0.5) {
      x1 += x1;
      xe--;
    }
  }
  if (y < 0) {
    a1 = 1 / a1;
    ae = -ae;
  }
  return goLdexp(a1, ae);
}

/**
 * Go's math.Mod. Its loop subtracts y·2^k, each step exact, so it is the exact remainder with
 * x's sign, as JavaScript's % is, special cases included (checked against Go on random and
 * edge inputs: Mod(x, ±0), Mod(±Inf, y) and NaNs give NaN, Mod(x, ±Inf) gives x, Mod(±0, y) ±0).
 */
export function goMod(x: number, y: number): number {
  return x % y;
}

// --- trigonometric functions ---

const PI = Math.PI;
const PI_2 = PI / 2;
const PI_4 = PI / 4;
const PI3_4 = 2.356194490192345; // Go's 3*Pi/4, rounded once
const FOUR_OVER_PI = 1.2732395447351628;
const PI4A = 0.7853981256484985;
const PI4B = 3.774894707930798e-8;
const PI4C = 2.6951514290790595e-15;
const REDUCE_THRESHOLD = 536870912; // 2^29: beyond it, Payne–Hanek reduction

const SIN0 = 1.5896230157654656e-10;
const SIN1 = -2.5050747762857807e-8;
const SIN2 = 0.0000027557313621385722;
const SIN3 = -0.0001984126982958954;
const SIN4 = 0.008333333333322118;
const SIN5 = -0.1666666666666663;
const COS0 = -1.1358536521387682e-11;
const COS1 = 2.087570084197473e-9;
const COS2 = -2.755731417929674e-7;
const COS3 = 0.000024801587288851704;
const COS4 = -0.0013888888888873056;
const COS5 = 0.041666666666666595;

/** 4/π in binary (Go's mPi4), for the Payne–Hanek reduction. */
const M_PI4 = [
  0x0000000000000001n,
  0x45f306dc9c882a53n,
  0xf84eafa3ea69bb81n,
  0xb6c52b3278872083n,
  0xfca2c757bd778ac3n,
  0x6e48dc74849ba5c0n,
  0x0c925dd413a32439n,
  0xfc3bd63962534e7dn,
  0xd1046bea5d768909n,
  0xd338e04d68befc82n,
  0x7323ac7306a673e9n,
  0x3908bf177bf25076n,
  0x3ff12fffbc0b301fn,
  0xde5e2316b414da3en,
  0xda6cfd9e4f96136en,
  0x9e8c7ecd3cbfd45an,
  0xea4f758fd7cbe2f6n,
  0x7a0e73ef14a525d4n,
  0xd7f6bf623f1aba10n,
  0xac06608df8f6d757n,
];
const MASK64 = (1n << 64n) - 1n;

const shl64 = (v: bigint, n: number) => (n >= 64 ? 0n : (v << BigInt(n)) & MASK64);
const shr64 = (v: bigint, n: number) => (n >= 64 || n < 0 ? 0n : v >> BigInt(n));

/** Go's trigReduce: x (≥ 2^29) reduced modulo π/4 with 4/π to 1216 bits; the octant and the rest. */
function trigReduce(x: number): [number, number] {
  if (x < PI_4) return [0, x];
  f64[0] = x;
  let ix = (BigInt(u32[HI]!) << 32n) | BigInt(u32[LO]!);
  const exp = Number((ix >> 52n) & 0x7ffn) - 1023 - 52;
  ix = (ix & ((1n << 52n) - 1n)) | (1n << 52n);
  const digit = Math.floor((exp + 61) / 64);
  const bitshift = (exp + 61) % 64;
  const word = (d: number) => shl64(M_PI4[d]!, bitshift) | shr64(M_PI4[d + 1]!, 64 - bitshift);
  const z0 = word(digit);
  const z1 = word(digit + 1);
  const z2 = word(digit + 2);
  const z2hi = (z2 * ix) >> 64n;
  const z1p = z1 * ix;
  const z1hi = z1p >> 64n;
  const z1lo = z1p & MASK64;
  const z0lo = (z0 * ix) & MASK64;
  const loSum = z1lo + z2hi;
  const lo = loSum & MASK64;
  let hi = (z0lo + z1hi + (loSum >> 64n)) & MASK64;
  let j = Number(hi >> 61n);
  hi = ((hi << 3n) | (lo >> 61n)) & MASK64;
  const lz = hi === 0n ? 64 : 64 - hi.toString(2).length;
  const e = BigInt(1023 - (lz + 1)) & MASK64;
  hi = shl64(hi, lz + 1) | shr64(lo, 64 - (lz + 1));
  hi >>= 12n;
  hi = (hi | (e << 52n)) & MASK64;
  let z = fromWords(Number(hi >> 32n), Number(hi & 0xffffffffn));
  if (j & 1) {
    j = (j + 1) & 7;
    z--;
  }
  return [j, z * PI_4];
}

/** The octant of |x| (even, mod 8) and x reduced by it, as Go's sin, cos and tan compute them. */
function reduce(x: number): [number, number] {
  if (x >= REDUCE_THRESHOLD) return trigReduce(x);
  let j = Math.trunc(x * FOUR_OVER_PI);
  let y = j;
  if (j & 1) {
    j++;
    y++;
  }
  j &= 7;
  return [j, x - y * PI4A - y * PI4B - y * PI4C];
}

function sinPoly(z: number, zz: number): number {
  return z + z * zz * (((((SIN0 * zz + SIN1) * zz + SIN2) * zz + SIN3) * zz + SIN4) * zz + SIN5);
}

function cosPoly(zz: number): number {
  return 1.0 - 0.5 * zz + zz * zz * (((((COS0 * zz + COS1) * zz + COS2) * zz + COS3) * zz + COS4) * zz + COS5);
}

/** Go's math.Sin (Cephes polynomials, Payne–Hanek beyond 2^29). */
export function goSin(x: number): number {
  if (x === 0 || Number.isNaN(x)) return x;
  if (x === Infinity || x === -Infinity) return NaN;
  let sign = false;
  if (x < 0) {
    x = -x;
    sign = true;
  }
  const [j0, z] = reduce(x);
  let j = j0;
  if (j > 3) {
    sign = !sign;
    j -= 4;
  }
  const zz = z * z;
  const y = j === 1 || j === 2 ? cosPoly(zz) : sinPoly(z, zz);
  return sign ? -y : y;
}

/** Go's math.Cos. */
export function goCos(x: number): number {
  if (Number.isNaN(x) || x === Infinity || x === -Infinity) return NaN;
  let sign = false;
  x = Math.abs(x);
  const [j0, z] = reduce(x);
  let j = j0;
  if (j > 3) {
    j -= 4;
    sign = !sign;
  }
  if (j > 1) sign = !sign;
  const zz = z * z;
  const y = j === 1 || j === 2 ? sinPoly(z, zz) : cosPoly(zz);
  return sign ? -y : y;
}

/** Go's math.Tan. */
export function goTan(x: number): number {
  if (x === 0 || Number.isNaN(x)) return x;
  if (x === Infinity || x === -Infinity) return NaN;
  let sign = false;
  if (x < 0) {
    x = -x;
    sign = true;
  }
  let j: number;
  let z: number;
  if (x >= REDUCE_THRESHOLD) [j, z] = trigReduce(x);
  else {
    j = Math.trunc(x * FOUR_OVER_PI);
    let y = j;
    if (j & 1) {
      j++;
      y++;
    }
    z = x - y * PI4A - y * PI4B - y * PI4C;
  }
  const zz = z * z;
  let y: number;
  if (zz > 1e-14) {
    y =
      z +
      z *
        ((zz * ((-13093.693918138379 * zz + 1153516.6483858742) * zz + -17956525.197648488)) /
          ((((zz + 13681.296347069296) * zz + -1320892.3444021097) * zz + 25008380.18233579) * zz + -53869575.592945464));
  } else y = z;
  if (j & 2) y = -1 / y;
  return sign ? -y : y;
}

// --- inverse trigonometric functions ---

function xatan(x: number): number {
  let z = x * x;
  z =
    (z * ((((-0.8750608600031904 * z + -16.157537187333652) * z + -75.00855792314705) * z + -122.88666844901361) * z + -64.85021904942025)) /
    (((((z + 24.858464901423062) * z + 165.02700983169885) * z + 432.88106049129027) * z + 485.3903996359137) * z + 194.5506571482614);
  return x * z + x;
}

const MOREBITS = 6.123233995736766e-17; // π/2 = PI_2 + MOREBITS
const HALF_MOREBITS = 3.061616997868383e-17;
const TAN3PIO8 = 2.414213562373095;

function satan(x: number): number {
  if (x <= 0.66) return xatan(x);
  if (x > TAN3PIO8) return PI_2 - xatan(1 / x) + MOREBITS;
  return PI_4 + xatan((x - 1) / (x + 1)) + HALF_MOREBITS;
}

/** Go's math.Atan. */
export function goAtan(x: number): number {
  if (x === 0) return x;
  return x > 0 ? satan(x) : -satan(-x);
}

/** Go's math.Asin: through satan, after reducing with √(1 − x²). */
export function goAsin(x: number): number {
  if (x === 0) return x;
  let sign = false;
  if (x < 0) {
    x = -x;
    sign = true;
  }
  if (x > 1) return NaN;
  let temp = Math.sqrt(1 - x * x);
  temp = x > 0.7 ? PI_2 - satan(temp / x) : satan(x / temp);
  return sign ? -temp : temp;
}

/** Go's math.Acos: π/2 − Asin(x). */
export function goAcos(x: number): number {
  return PI_2 - goAsin(x);
}

const copysign = (mag: number, sgn: number) => (sgn < 0 || Object.is(sgn, -0) ? -mag : mag);

/** Go's math.Atan2(y, x). */
export function goAtan2(y: number, x: number): number {
  if (Number.isNaN(y) || Number.isNaN(x)) return NaN;
  if (y === 0) {
    if (x >= 0 && !Object.is(x, -0)) return copysign(0, y);
    return copysign(PI, y);
  }
  if (x === 0) return copysign(PI_2, y);
  if (x === Infinity || x === -Infinity) {
    if (x === Infinity) return y === Infinity || y === -Infinity ? copysign(PI_4, y) : copysign(0, y);
    return y === Infinity || y === -Infinity ? copysign(PI3_4, y) : copysign(PI, y);
  }
  if (y === Infinity || y === -Infinity) return copysign(PI_2, y);
  const q = goAtan(y / x);
  if (x < 0) return q <= 0 ? q + PI : q - PI;
  return q;
}

// --- hyperbolic functions ---

/** Go's math.Sinh: a rational approximation up to 0.5, Exp beyond. */
export function goSinh(x: number): number {
  let sign = false;
  if (x < 0) {
    x = -x;
    sign = true;
  }
  let temp: number;
  if (x > 21) temp = goExp(x) * 0.5;
  else if (x > 0.5) {
    const ex = goExp(x);
    temp = (ex - 1 / ex) * 0.5;
  } else {
    const sq = x * x;
    temp = (((-26.30563213397497 * sq + -2894.211355989564) * sq + -89912.72022039509) * sq + -630767.3640497717) * x;
    temp = temp / (((sq + -173.6789535582337) * sq + 15215.17378790019) * sq + -630767.3640497717);
  }
  return sign ? -temp : temp;
}

/** Go's math.Cosh. */
export function goCosh(x: number): number {
  x = Math.abs(x);
  if (x > 21) return goExp(x) * 0.5;
  const ex = goExp(x);
  return (ex + 1 / ex) * 0.5;
}

/** Go's math.Tanh. */
export function goTanh(x: number): number {
  let z = Math.abs(x);
  if (z > 0.5 * 88.02969193111305) return x < 0 ? -1 : 1;
  if (z >= 0.625) {
    const s = goExp(2 * z);
    z = 1 - 2 / (s + 1);
    return x < 0 ? -z : z;
  }
  if (x === 0) return x;
  const s = x * x;
  return (
    x +
    (x * s * ((-0.9643991794250523 * s + -99.28772310019185) * s + -1614.6876844170845)) /
      (((s + 112.81167849163293) * s + 2235.4883906010045) * s + 4844.063053251255)
  );
}

/** Go's math.Asinh. */
export function goAsinh(x: number): number {
  if (Number.isNaN(x) || x === Infinity || x === -Infinity) return x;
  let sign = false;
  if (x < 0) {
    x = -x;
    sign = true;
  }
  let temp: number;
  if (x > 268435456) temp = goLog(x) + LN2;
  else if (x > 2) temp = goLog(2 * x + 1 / (Math.sqrt(x * x + 1) + x));
  else if (x < 1 / 268435456) temp = x;
  else temp = goLog1p(x + (x * x) / (1 + Math.sqrt(1 + x * x)));
  return sign ? -temp : temp;
}

/** Go's math.Acosh. */
export function goAcosh(x: number): number {
  if (x < 1 || Number.isNaN(x)) return NaN;
  if (x === 1) return 0;
  if (x >= 268435456) return goLog(x) + LN2;
  if (x > 2) return goLog(2 * x - 1 / (x + Math.sqrt(x * x - 1)));
  const t = x - 1;
  return goLog1p(t + Math.sqrt(2 * t + t * t));
}

/** Go's math.Atanh. */
export function goAtanh(x: number): number {
  if (x < -1 || x > 1 || Number.isNaN(x)) return NaN;
  if (x === 1) return Infinity;
  if (x === -1) return -Infinity;
  let sign = false;
  if (x < 0) {
    x = -x;
    sign = true;
  }
  let temp: number;
  if (x < 1 / 268435456) temp = x;
  else if (x < 0.5) {
    temp = x + x;
    temp = 0.5 * goLog1p(temp + (temp * x) / (1 - x));
  } else temp = 0.5 * goLog1p((x + x) / (1 - x));
  return sign ? -temp : temp;
}
