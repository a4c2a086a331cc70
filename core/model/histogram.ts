// Native histograms as PromQL sees them: Prometheus's model/histogram.FloatHistogram (absolute
// bucket counts, exponential schemas -4..8 or custom bounds, schema -53), with the same arithmetic,
// compaction, counter-reset detection and text forms, so results match Prometheus's bit for bit.
//
// Every algorithm keeps Go's order of float operations (and its Kahan compensation, and its
// quirks), since results are compared bit for bit. Where Go lets two histograms share a slice
// (a compensation histogram shares its spans with the sum), the port shares the same JS array.

import { goExp2, goFrexp, goLdexp, goLog, goLog2 } from '../promql/gomath.js';

export interface Span {
  /** Gap to the previous span's end (or, for the first span, the index of its first bucket). */
  offset: number;
  length: number;
}

/** Go's histogram.CounterResetHint. */
export type CounterResetHint = 'unknown' | 'reset' | 'not_reset' | 'gauge';

export interface Bucket {
  lower: number;
  upper: number;
  lowerInclusive: boolean;
  upperInclusive: boolean;
  count: number;
  /** Bucket index in its schema (0 for the zero bucket). */
  index: number;
}

export const CUSTOM_BUCKETS_SCHEMA = -53;
export const EXPONENTIAL_SCHEMA_MIN = -4;
export const EXPONENTIAL_SCHEMA_MAX = 8;
/** Schemas accepted on ingestion and then reduced to the nearest supported one. */
export const EXPONENTIAL_SCHEMA_MIN_RESERVED = -9;
export const EXPONENTIAL_SCHEMA_MAX_RESERVED = 52;

// ---------------------------------------------------------------------------------------------
// Errors

/** The texts of Go's histogram.Err… values, keyed by a short name. */
export const HISTOGRAM_ERRORS = {
  countNotBigEnough:
    "histogram's observation count should be at least the number of observations found in the buckets",
  countMismatch:
    "histogram's observation count should equal the number of observations found in the buckets (in absence of NaN)",
  negativeCount: "histogram's observation count is negative",
  negativeBucketCount: 'histogram has a bucket whose observation count is negative',
  spanNegativeOffset: 'histogram has a span whose offset is negative',
  spansBucketsMismatch: 'histogram spans specify different number of buckets than provided',
  customBucketsMismatch: 'histogram custom bounds are too few',
  customBucketsInvalid: 'histogram custom bounds must be in strictly increasing order',
  customBucketsInfinite: 'histogram custom bounds must be finite',
  customBucketsNaN: 'histogram custom bounds must not be NaN',
  incompatibleSchema: 'cannot apply this operation on histograms with a mix of exponential and custom bucket schemas',
  customBucketsZeroCount: 'custom buckets: must have zero count of 0',
  customBucketsZeroThresh: 'custom buckets: must have zero threshold of 0',
  customBucketsNegSpans: 'custom buckets: must not have negative spans',
  customBucketsNegBuckets: 'custom buckets: must not have negative buckets',
  expSchemaCustomBounds: 'histogram with exponential schema must not have custom bounds',
  invalidSchema: `histogram has an invalid schema, which must be between ${EXPONENTIAL_SCHEMA_MIN} and ${EXPONENTIAL_SCHEMA_MAX} for exponential buckets, or ${CUSTOM_BUCKETS_SCHEMA} for custom buckets`,
  unknownSchema: `histogram has an unknown schema, which must be between ${EXPONENTIAL_SCHEMA_MIN_RESERVED} and ${EXPONENTIAL_SCHEMA_MAX_RESERVED} for exponential buckets, or ${CUSTOM_BUCKETS_SCHEMA} for custom buckets`,
} as const;

export type HistogramErrorKind = keyof typeof HISTOGRAM_ERRORS;

/**
 * A histogram operation that Prometheus refuses (incompatible schemas, invalid spans …), worded as
 * Go's errors. `kind` names the Go sentinel the error wraps (what errors.Is would match), or is
 * null for Go's plain errors.New ones.
 */
export class HistogramError extends Error {
  readonly kind: HistogramErrorKind | null;

  constructor(message: string, kind: HistogramErrorKind | null = null) {
    super(message);
    this.name = 'HistogramError';
    this.kind = kind;
  }

  /** Go's errors.Is(err, histogram.Err…). */
  is(kind: HistogramErrorKind): boolean {
    return this.kind === kind;
  }
}

/** Go's fmt.Errorf("<prefix>%w<suffix>", sentinel). */
function wrapErr(kind: HistogramErrorKind, prefix = '', suffix = ''): HistogramError {
  return new HistogramError(prefix + HISTOGRAM_ERRORS[kind] + suffix, kind);
}

/** Go's histogram.InvalidSchemaError. */
export function invalidSchemaError(schema: number): HistogramError {
  return wrapErr('invalidSchema', '', `, got schema ${schema}`);
}

/** Go's histogram.UnknownSchemaError. */
export function unknownSchemaError(schema: number): HistogramError {
  return wrapErr('unknownSchema', '', `, got schema ${schema}`);
}

// ---------------------------------------------------------------------------------------------
// Go's float64 library functions, where JS's differ in the last bit or in formatting. The math
// functions live in promql/gomath.ts with the rest of Go's math package; they are re-exported here.

export { goExp2, goFrexp, goLdexp, goLog, goLog2 };

const scratch = new DataView(new ArrayBuffer(8));

/** fmt's %g (and %v) of a float64: shortest digits, exponent form below 1e-4 and from 1e+06. */
export function formatGoG(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, expStr] = v.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let s: string;
  if (exp < 0) s = `0.${'0'.repeat(-exp - 1)}${digits}`;
  else if (digits.length <= exp + 1) s = digits + '0'.repeat(exp + 1 - digits.length);
  else s = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  return neg ? `-${s}` : s;
}

/** fmt's %f: six decimals, rounded half to even on the exact binary value as Go does. */
export function formatGoF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  let q = 0n;
  if (v !== 0) {
    const [f, e] = goFrexp(Math.abs(v));
    const mant = BigInt(f * 2 ** 53);
    const shift = e - 53;
    const num = mant * 1_000_000n;
    if (shift >= 0) q = num << BigInt(shift);
    else {
      const den = 1n << BigInt(-shift);
      q = num / den;
      const r2 = (num % den) * 2n;
      if (r2 > den || (r2 === den && q % 2n === 1n)) q++;
    }
  }
  const s = q.toString().padStart(7, '0');
  return `${neg ? '-' : ''}${s.slice(0, -6)}.${s.slice(-6)}`;
}

/** Equality of the float64 bit patterns (0 ≠ -0; NaNs compare by payload). */
function bitsEqual(a: number, b: number): boolean {
  if (a === b) return a !== 0 || Object.is(a, b);
  if (a === a || b === b) return false;
  scratch.setFloat64(0, a);
  const ah = scratch.getUint32(0);
  const al = scratch.getUint32(4);
  scratch.setFloat64(0, b);
  return ah === scratch.getUint32(0) && al === scratch.getUint32(4);
}

/**
 * One step of Prometheus's util/kahansum.Inc (Neumaier's variant): adds inc to sum, carrying the
 * rounding error in c. Returns [sum, c].
 */
export function kahanInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (t > Number.MAX_VALUE || t < -Number.MAX_VALUE) c = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

/** util/kahansum.Dec. */
export function kahanDec(dec: number, sum: number, c: number): [number, number] {
  return kahanInc(-dec, sum, c);
}

// ---------------------------------------------------------------------------------------------
// Schemas and bucket bounds

export function isCustomBucketsSchema(s: number): boolean {
  return s === CUSTOM_BUCKETS_SCHEMA;
}

export function isExponentialSchema(s: number): boolean {
  return s >= EXPONENTIAL_SCHEMA_MIN && s <= EXPONENTIAL_SCHEMA_MAX;
}

export function isExponentialSchemaReserved(s: number): boolean {
  return s >= EXPONENTIAL_SCHEMA_MIN_RESERVED && s <= EXPONENTIAL_SCHEMA_MAX_RESERVED;
}

export function isValidSchema(s: number): boolean {
  return isCustomBucketsSchema(s) || isExponentialSchema(s);
}

/** A schema Prometheus accepts, possibly only after reducing it to the nearest supported one. */
export function isKnownSchema(s: number): boolean {
  return isCustomBucketsSchema(s) || isExponentialSchemaReserved(s);
}

/** Whether two custom-bucket bound lists are equal (by value, so NaN never matches). */
export function customBucketBoundsMatch(c1: readonly number[], c2: readonly number[]): boolean {
  if (c1.length !== c2.length) return false;
  for (let i = 0; i < c1.length; i++) if (c1[i] !== c2[i]) return false;
  return true;
}

/**
 * Upper bound of bucket idx: a custom bound (idx -1 is -Inf, idx len is +Inf) or an exponential
 * bound for the schema.
 */
export function getBound(idx: number, schema: number, customValues: readonly number[]): number {
  if (isCustomBucketsSchema(schema)) {
    const length = customValues.length;
    if (idx > length || idx < -1) throw new Error(`index ${idx} out of bounds for custom bounds of length ${length}`);
    if (idx === length) return Infinity;
    if (idx === -1) return -Infinity;
    return customValues[idx]!;
  }
  return getBoundExponential(idx, schema);
}

/**
 * Bucket bounds in [0.5, 1) for schema 8, precomputed by Prometheus (they differ in the last bit
 * from 2**(i/256-1) in JS); schema s uses every 2^(8-s)-th entry.
 */
const EXPONENTIAL_BOUNDS_SCHEMA8: readonly number[] = [
  0.5, 0.5013556375251013, 0.5027149505564014, 0.5040779490592088,
  0.5054446430258502, 0.5068150424757447, 0.5081891574554764, 0.509566998038869,
  0.5109485743270583, 0.5123338964485679, 0.5137229745593818, 0.5151158188430205,
  0.5165124395106142, 0.5179128468009786, 0.5193170509806894, 0.520725062344158,
  0.5221368912137069, 0.5235525479396449, 0.5249720429003435, 0.526395386502313,
  0.5278225891802786, 0.5292536613972564, 0.5306886136446309, 0.5321274564422321,
  0.5335702003384117, 0.5350168559101208, 0.5364674337629877, 0.5379219445313954,
  0.5393803988785598, 0.5408428074966075, 0.5423091811066545, 0.5437795304588847,
  0.5452538663326288, 0.5467321995364429, 0.5482145409081883, 0.549700901315111,
  0.5511912916539204, 0.5526857228508706, 0.5541842058618393, 0.5556867516724088,
  0.5571933712979462, 0.5587040757836845, 0.5602188762048033, 0.5617377836665098,
  0.5632608093041209, 0.564787964283144, 0.5663192597993595, 0.5678547070789026,
  0.5693943173783458, 0.5709381019847808, 0.572486072215902, 0.5740382394200894,
  0.5755946149764913, 0.5771552102951081, 0.5787200368168754, 0.5802891060137493,
  0.5818624293887887, 0.5834400184762408, 0.585021884841625, 0.5866080400818185,
  0.5881984958251406, 0.5897932637314379, 0.5913923554921704, 0.5929957828304968,
  0.5946035575013605, 0.5962156912915756, 0.5978321960199137, 0.5994530835371903,
  0.6010783657263515, 0.6027080545025619, 0.6043421618132907, 0.6059806996384005,
  0.6076236799902344, 0.6092711149137041, 0.6109230164863786, 0.6125793968185725,
  0.6142402680534349, 0.6159056423670379, 0.6175755319684665, 0.6192499490999082,
  0.620928906036742, 0.622612415087629, 0.6243004885946023, 0.6259931389331581,
  0.6276903785123455, 0.6293922197748583, 0.6310986751971253, 0.6328097572894031,
  0.6345254785958666, 0.6362458516947014, 0.637970889198196, 0.6397006037528346,
  0.6414350080393891, 0.6431741147730128, 0.6449179367033329, 0.6466664866145447,
  0.6484197773255048, 0.6501778216898253, 0.6519406325959679, 0.6537082229673385,
  0.6554806057623822, 0.6572577939746774, 0.659039800633032, 0.6608266388015788,
  0.6626183215798706, 0.6644148621029772, 0.6662162735415805, 0.6680225691020727,
  0.6698337620266515, 0.6716498655934177, 0.6734708931164728, 0.6752968579460171,
  0.6771277734684463, 0.6789636531064505, 0.6808045103191123, 0.6826503586020058,
  0.6845012114872953, 0.6863570825438342, 0.688217985377265, 0.690083933630119,
  0.6919549409819159, 0.6938310211492645, 0.6957121878859629, 0.6975984549830999,
  0.6994898362691555, 0.7013863456101023, 0.7032879969095076, 0.7051948041086352,
  0.7071067811865475, 0.7090239421602076, 0.7109463010845827, 0.7128738720527471,
  0.7148066691959849, 0.7167447066838943, 0.718687998724491, 0.7206365595643126,
  0.7225904034885232, 0.7245495448210174, 0.7265139979245261, 0.7284837772007218,
  0.7304588970903234, 0.7324393720732029, 0.7344252166684908, 0.7364164454346837,
  0.7384130729697496, 0.7404151139112358, 0.7424225829363761, 0.7444354947621984,
  0.7464538641456323, 0.7484777058836176, 0.7505070348132126, 0.7525418658117031,
  0.7545822137967112, 0.7566280937263048, 0.7586795205991071, 0.7607365094544071,
  0.762799075372269, 0.7648672334736434, 0.7669409989204777, 0.7690203869158282,
  0.7711054127039704, 0.7731960915705107, 0.7752924388424999, 0.7773944698885442,
  0.7795022001189185, 0.7816156449856788, 0.7837348199827764, 0.7858597406461707,
  0.7879904225539431, 0.7901268813264122, 0.7922691326262467, 0.7944171921585818,
  0.7965710756711334, 0.7987307989543135, 0.8008963778413465, 0.8030678282083853,
  0.805245165974627, 0.8074284071024302, 0.8096175675974316, 0.8118126635086642,
  0.8140137109286738, 0.8162207259936375, 0.8184337248834821, 0.820652723822003,
  0.8228777390769823, 0.8251087869603088, 0.8273458838280969, 0.8295890460808079,
  0.8318382901633681, 0.8340936325652911, 0.8363550898207981, 0.8386226785089391,
  0.8408964152537144, 0.8431763167241966, 0.8454623996346523, 0.8477546807446661,
  0.8500531768592616, 0.8523579048290255, 0.8546688815502312, 0.8569861239649629,
  0.8593096490612387, 0.8616394738731368, 0.8639756154809185, 0.8663180910111553,
  0.8686669176368529, 0.871022112577578, 0.8733836930995842, 0.8757516765159389,
  0.8781260801866495, 0.8805069215187917, 0.8828942179666361, 0.8852879870317771,
  0.8876882462632604, 0.890095013257712, 0.8925083056594671, 0.8949281411607002,
  0.8973545375015533, 0.8997875124702672, 0.9022270839033115, 0.9046732696855155,
  0.9071260877501991, 0.909585556079304, 0.9120516927035263, 0.9145245157024483,
  0.9170040432046711, 0.9194902933879467, 0.9219832844793128, 0.9244830347552253,
  0.9269895625416926, 0.92950288621441, 0.9320230241988943, 0.9345499949706191,
  0.9370838170551498, 0.93962450902828, 0.9421720895161669, 0.9447265771954693,
  0.9472879907934827, 0.9498563490882775, 0.9524316709088368, 0.9550139751351947,
  0.9576032806985735, 0.9601996065815236, 0.9628029718180622, 0.9654133954938133,
  0.9680308967461471, 0.9706554947643201, 0.9732872087896164, 0.9759260581154889,
  0.9785720620876999, 0.9812252401044634, 0.9838856116165875, 0.9865531961276168,
  0.9892280131939752, 0.9919100824251095, 0.9945994234836328, 0.9972960560854698,
];

/**
 * Upper bound of exponential bucket idx. The bucket just below the ±Inf bucket would come out as
 * +Inf by the formula (2^1024); its bound is math.MaxFloat64 instead so that ±Inf observations
 * keep a bucket of their own.
 */
export function getBoundExponential(idx: number, schema: number): number {
  if (schema < 0) {
    const exp = idx * (1 << -schema);
    if (exp === 1024) return Number.MAX_VALUE;
    return goLdexp(1, exp);
  }
  const fracIdx = idx & ((1 << schema) - 1);
  const frac = EXPONENTIAL_BOUNDS_SCHEMA8[fracIdx << (8 - schema)]!;
  const exp = (idx >> schema) + 1;
  if (frac === 0.5 && exp === 1025) return Number.MAX_VALUE;
  return goLdexp(frac, exp);
}

/** Index in targetSchema of the bucket that contains bucket idx of originSchema. */
function targetIdx(idx: number, originSchema: number, targetSchema: number): number {
  return ((idx - 1) >> (originSchema - targetSchema)) + 1;
}

// ---------------------------------------------------------------------------------------------
// Buckets

function emptyBucket(): Bucket {
  return { lower: 0, upper: 0, lowerInclusive: false, upperInclusive: false, count: 0, index: 0 };
}

/** Go's Bucket.String: `[lower,upper]:count` with '('/')' for exclusive bounds. */
export function bucketToString(b: Bucket): string {
  return `${b.lowerInclusive ? '[' : '('}${formatGoG(b.lower)},${formatGoG(b.upper)}${b.upperInclusive ? ']' : ')'}:${formatGoG(b.count)}`;
}

/**
 * Share (0…1) of the bucket's width at or below v, for b.lower < v < b.upper with finite bounds:
 * linear for custom buckets and the zero bucket, otherwise on a log2 scale (mirrored for negative
 * buckets). Other inputs give meaningless results, as in Go.
 */
export function fractionBelow(b: Bucket, v: number, linear: boolean): number {
  if (linear) return (v - b.lower) / (b.upper - b.lower);
  const logLower = goLog2(Math.abs(b.lower));
  const logUpper = goLog2(Math.abs(b.upper));
  const logV = goLog2(Math.abs(v));
  if (v > 0) return (logV - logLower) / (logUpper - logLower);
  return 1 - (logV - logUpper) / (logLower - logUpper);
}

/**
 * A bucket iterator. Iterate with for…of, or step with advance()/at() like Go's Next()/At().
 * Leaving a for…of early does not close it: a later for…of continues after the last bucket seen.
 */
export abstract class BucketIterator implements IterableIterator<Bucket> {
  /** Moves to the next bucket; false once there is none. */
  abstract advance(): boolean;
  /** The current bucket (a fresh object, free to modify). */
  abstract at(): Bucket;

  next(): IteratorResult<Bucket> {
    return this.advance() ? { done: false, value: this.at() } : { done: true, value: undefined };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/** State shared by the forward and reverse iterators over one side's spans and buckets. */
abstract class SpanBucketIterator extends BucketIterator {
  spansIdx = 0;
  idxInSpan = 0;
  bucketsIdx = 0;
  currCount = 0;
  currIdx = 0;

  constructor(
    protected readonly schema: number,
    protected readonly spans: readonly Span[],
    protected readonly buckets: readonly number[],
    protected readonly positive: boolean,
    protected readonly customValues: readonly number[],
  ) {
    super();
  }

  protected atSchema(schema: number): Bucket {
    const idx = this.currIdx;
    let lower: number;
    let upper: number;
    if (this.positive) {
      upper = getBound(idx, schema, this.customValues);
      lower = getBound(idx - 1, schema, this.customValues);
    } else {
      lower = -getBound(idx, schema, this.customValues);
      upper = -getBound(idx - 1, schema, this.customValues);
    }
    const custom = isCustomBucketsSchema(schema);
    return {
      lower,
      upper,
      lowerInclusive: custom ? idx === 0 : lower < 0,
      upperInclusive: custom ? true : upper > 0,
      count: this.currCount,
      index: idx,
    };
  }
}

/**
 * Go's floatBucketIterator: ascending by absolute value, optionally merging buckets into a lower
 * targetSchema and skipping exponential buckets whose upper bound is ≤ absoluteStartValue.
 */
class FloatBucketIterator extends SpanBucketIterator {
  private origIdx = 0;
  private boundReachedStartValue: boolean;

  constructor(
    schema: number,
    spans: readonly Span[],
    buckets: readonly number[],
    positive: boolean,
    customValues: readonly number[],
    private readonly targetSchema: number,
    private readonly absoluteStartValue: number,
  ) {
    super(schema, spans, buckets, positive, customValues);
    this.boundReachedStartValue = absoluteStartValue === 0;
  }

  at(): Bucket {
    return this.atSchema(this.targetSchema);
  }

  advance(): boolean {
    for (;;) {
      if (this.spansIdx >= this.spans.length) return false;
      let span = this.spans[this.spansIdx]!;
      if (this.schema === this.targetSchema) {
        if (this.bucketsIdx === 0) this.currIdx = span.offset;
        else this.currIdx++;
        // Only an invalid histogram has fewer buckets than its spans claim.
        if (this.bucketsIdx >= this.buckets.length) return false;
        while (this.idxInSpan >= span.length) {
          // Next span; spans of length 0 are skipped the same way.
          this.idxInSpan = 0;
          this.spansIdx++;
          if (this.spansIdx >= this.spans.length) return false;
          span = this.spans[this.spansIdx]!;
          this.currIdx += span.offset;
        }
        this.currCount = this.buckets[this.bucketsIdx]!;
        this.idxInSpan++;
        this.bucketsIdx++;
      } else {
        // Work on copies so that the first bucket of the next target bucket is not consumed.
        let origIdx = this.origIdx;
        let spansIdx = this.spansIdx;
        let idxInSpan = this.idxInSpan;
        let firstPass = true;
        this.currCount = 0;
        for (;;) {
          if (this.bucketsIdx === 0) origIdx = span.offset;
          else origIdx++;
          if (this.bucketsIdx >= this.buckets.length) {
            if (firstPass) return false;
            break;
          }
          let exhausted = false;
          while (idxInSpan >= span.length) {
            idxInSpan = 0;
            spansIdx++;
            if (spansIdx >= this.spans.length) {
              exhausted = true;
              break;
            }
            span = this.spans[spansIdx]!;
            origIdx += span.offset;
          }
          if (exhausted) {
            if (firstPass) return false;
            break;
          }
          const currIdx = targetIdx(origIdx, this.schema, this.targetSchema);
          if (firstPass) {
            this.currIdx = currIdx;
            firstPass = false;
          } else if (currIdx !== this.currIdx) {
            break;
          }
          this.currCount += this.buckets[this.bucketsIdx]!;
          idxInSpan++;
          this.bucketsIdx++;
          this.origIdx = origIdx;
          this.spansIdx = spansIdx;
          this.idxInSpan = idxInSpan;
        }
      }
      if (
        !this.boundReachedStartValue &&
        isExponentialSchema(this.targetSchema) &&
        getBoundExponential(this.currIdx, this.targetSchema) <= this.absoluteStartValue
      ) {
        continue;
      }
      this.boundReachedStartValue = true;
      return true;
    }
  }
}

/** Go's reverseFloatBucketIterator: from the highest absolute value down. */
class ReverseFloatBucketIterator extends SpanBucketIterator {
  constructor(spans: readonly Span[], buckets: readonly number[], schema: number, positive: boolean, customValues: readonly number[]) {
    super(schema, spans, buckets, positive, customValues);
    this.spansIdx = spans.length - 1;
    this.bucketsIdx = buckets.length - 1;
    if (this.spansIdx >= 0) this.idxInSpan = spans[this.spansIdx]!.length - 1;
    this.currIdx = 0;
    for (const s of spans) this.currIdx += s.offset + s.length;
  }

  at(): Bucket {
    return this.atSchema(this.schema);
  }

  advance(): boolean {
    this.currIdx--;
    if (this.bucketsIdx < 0) return false;
    while (this.idxInSpan < 0) {
      this.spansIdx--;
      // Only an invalid histogram runs out of spans before buckets.
      if (this.spansIdx < 0) return false;
      this.idxInSpan = this.spans[this.spansIdx]!.length - 1;
      this.currIdx -= this.spans[this.spansIdx + 1]!.offset;
    }
    this.currCount = this.buckets[this.bucketsIdx]!;
    this.bucketsIdx--;
    this.idxInSpan--;
    return true;
  }
}

/**
 * Go's allFloatBucketIterator: one side, then the zero bucket (if populated), then the other side;
 * bucket bounds overlapping the zero bucket are clipped to the zero threshold.
 */
class AllFloatBucketIterator extends BucketIterator {
  private state: -1 | 0 | 1 | 2 = -1;
  private curr: Bucket = emptyBucket();

  constructor(
    private readonly h: FloatHistogram,
    private readonly leftIter: BucketIterator,
    private readonly rightIter: BucketIterator,
  ) {
    super();
  }

  at(): Bucket {
    return { ...this.curr };
  }

  advance(): boolean {
    const zt = this.h.zeroThreshold;
    for (;;) {
      switch (this.state) {
        case -1:
          if (this.leftIter.advance()) {
            const b = this.leftIter.at();
            if (b.upper < 0 && b.upper > -zt) b.upper = -zt;
            else if (b.lower > 0 && b.lower < zt) b.lower = zt;
            this.curr = b;
            return true;
          }
          this.state = 0;
          continue;
        case 0:
          this.state = 1;
          if (this.h.zeroCount > 0) {
            this.curr = this.h.zeroBucket();
            return true;
          }
          continue;
        case 1:
          if (this.rightIter.advance()) {
            const b = this.rightIter.at();
            if (b.lower > 0 && b.lower < zt) b.lower = zt;
            else if (b.upper < 0 && b.upper > -zt) b.upper = -zt;
            this.curr = b;
            return true;
          }
          this.state = 2;
          return false;
        default:
          return false;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Span and bucket algorithms shared by the histogram methods

function cloneSpans(spans: readonly Span[]): Span[] {
  return spans.map((s) => ({ offset: s.offset, length: s.length }));
}

/** Whether two span lists describe the same layout once zero-length spans are folded away. */
function spansMatch(s1: readonly Span[], s2: readonly Span[]): boolean {
  if (s1.length === 0 && s2.length === 0) return true;
  let i1 = 0;
  let i2 = 0;
  for (;;) {
    if (i1 >= s1.length) return allEmptySpans(s2, i2);
    if (i2 >= s2.length) return allEmptySpans(s1, i1);
    const a = { ...s1[i1++]! };
    const b = { ...s2[i2++]! };
    if (a.length === 0) {
      for (; i1 < s1.length && s1[i1]!.length === 0; i1++) a.offset += s1[i1]!.offset;
      if (i1 < s1.length) {
        a.offset += s1[i1]!.offset;
        a.length = s1[i1]!.length;
        i1++;
      }
    }
    if (b.length === 0) {
      for (; i2 < s2.length && s2[i2]!.length === 0; i2++) b.offset += s2[i2]!.offset;
      if (i2 < s2.length) {
        b.offset += s2[i2]!.offset;
        b.length = s2[i2]!.length;
        i2++;
      }
    }
    if (a.length === 0 && b.length === 0) return true;
    if (a.offset !== b.offset || a.length !== b.length) return false;
  }
}

function allEmptySpans(s: readonly Span[], from: number): boolean {
  for (let i = from; i < s.length; i++) if (s[i]!.length > 0) return false;
  return true;
}

function floatBucketsMatch(b1: readonly number[], b2: readonly number[]): boolean {
  if (b1.length !== b2.length) return false;
  for (let i = 0; i < b1.length; i++) if (!bitsEqual(b1[i]!, b2[i]!)) return false;
  return true;
}

/**
 * Go's compactBuckets for absolute counts: drops empty buckets at span edges, splits spans at runs
 * of more than maxEmptyBuckets empty buckets, merges spans at most maxEmptyBuckets apart.
 * Compensation buckets (Kahan) move in step and keep a bucket alive while non-zero.
 */
function compactBuckets(
  primary: number[],
  comp: number[] | null,
  spansIn: Span[],
  maxEmptyBuckets: number,
): [number[], number[] | null, Span[]] {
  if (comp !== null && primary.length !== comp.length) {
    throw new Error(`primary buckets layout (${primary.length}) mismatch against associated compensation buckets layout (${comp.length})`);
  }
  // The common case needs no work: no empty bucket, no short gap, no empty span.
  let nothingToDo = !primary.includes(0);
  if (nothingToDo) {
    for (const s of spansIn) {
      if (s.offset <= maxEmptyBuckets || s.length === 0) {
        nothingToDo = false;
        break;
      }
    }
    if (nothingToDo) return [primary, comp, spansIn];
  }

  primary = primary.slice();
  if (comp !== null) comp = comp.slice();

  // Fold spans that directly follow their predecessor, then spans of length 0.
  let spans: Span[] = [];
  for (let i = 0; i < spansIn.length; i++) {
    const s = spansIn[i]!;
    if (i > 0 && s.offset === 0) spans[spans.length - 1]!.length += s.length;
    else spans.push({ offset: s.offset, length: s.length });
  }
  const nonEmpty: Span[] = [];
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    if (s.length === 0) {
      if (i + 1 < spans.length) spans[i + 1]!.offset += s.offset;
      continue;
    }
    nonEmpty.push(s);
  }
  spans = nonEmpty;
  if (spans.length === 0) return [[], comp === null ? null : [], spans];

  let iBucket = 0;
  let iSpan = 0;
  let posInSpan = 0;
  const emptyBucketsHere = (): number => {
    let i = 0;
    let abs = primary[iBucket]!;
    let c = comp !== null ? comp[iBucket]! : 0;
    while (i + posInSpan < spans[iSpan]!.length && abs === 0 && c === 0) {
      i++;
      if (i + iBucket >= primary.length) break;
      abs = primary[i + iBucket]!;
      if (comp !== null) c = comp[i + iBucket]!;
    }
    return i;
  };

  while (iBucket < primary.length && iSpan < spans.length) {
    const nEmpty = emptyBucketsHere();
    if (nEmpty > 0) {
      const span = spans[iSpan]!;
      if (posInSpan > 0 && nEmpty < span.length - posInSpan && nEmpty <= maxEmptyBuckets) {
        // Few enough empty buckets inside a span: keep them.
        iBucket += nEmpty;
        posInSpan += nEmpty;
        continue;
      }
      primary.splice(iBucket, nEmpty);
      if (comp !== null) comp.splice(iBucket, nEmpty);
      if (posInSpan === 0) {
        if (nEmpty === span.length) {
          spans.splice(iSpan, 1);
          if (spans.length > iSpan) spans[iSpan]!.offset += span.offset + nEmpty;
          continue;
        }
        span.length -= nEmpty;
        span.offset += nEmpty;
        continue;
      }
      // Empty buckets in the middle or at the end of the span: split it.
      const newSpan: Span = { offset: nEmpty, length: span.length - posInSpan - nEmpty };
      span.length = posInSpan;
      iSpan++;
      posInSpan = 0;
      if (newSpan.length === 0) {
        if (iSpan < spans.length) spans[iSpan]!.offset += nEmpty;
        continue;
      }
      spans.splice(iSpan, 0, newSpan);
      continue;
    }
    iBucket++;
    posInSpan++;
    if (posInSpan >= spans[iSpan]!.length) {
      posInSpan = 0;
      iSpan++;
    }
  }
  if (maxEmptyBuckets === 0 || primary.length === 0) return [primary, comp, spans];

  // Merge spans whose gap is small enough, filling the gap with empty buckets.
  iBucket = spans[0]!.length;
  iSpan = 1;
  while (iSpan < spans.length) {
    const span = spans[iSpan]!;
    if (span.offset > maxEmptyBuckets) {
      iBucket += span.length;
      iSpan++;
      continue;
    }
    const offset = span.offset;
    spans[iSpan - 1]!.length += offset + span.length;
    spans.splice(iSpan, 1);
    const zeros = new Array<number>(offset).fill(0);
    primary.splice(iBucket, 0, ...zeros);
    if (comp !== null) comp.splice(iBucket, 0, ...zeros);
    iBucket += offset + span.length;
  }
  return [primary, comp, spans];
}

/**
 * Go's reduceResolution for absolute counts: merges buckets of originSchema into targetSchema
 * (which must be lower). Returns new arrays.
 */
function reduceResolution(
  originSpans: readonly Span[],
  originBuckets: readonly number[],
  originSchema: number,
  targetSchema: number,
): [Span[], number[]] {
  const targetSpans: Span[] = [];
  const targetBuckets: number[] = [];
  let bucketIdx = 0;
  let bucketCountIdx = 0;
  let lastTargetBucketIdx = 0;
  for (let n = 0; n < originSpans.length; n++) {
    const span = originSpans[n]!;
    if (n > 0 && span.offset < 0) {
      throw wrapErr('spanNegativeOffset', `span number ${n + 1} with offset ${span.offset}: `);
    }
    bucketIdx += span.offset;
    for (let j = 0; j < span.length; j++) {
      if (bucketCountIdx >= originBuckets.length) {
        throw wrapErr('spansBucketsMismatch', `have ${originBuckets.length} buckets but spans need more: `);
      }
      const tIdx = targetIdx(bucketIdx, originSchema, targetSchema);
      const count = originBuckets[bucketCountIdx]!;
      if (targetSpans.length === 0) {
        targetSpans.push({ offset: tIdx, length: 1 });
        targetBuckets.push(count);
        lastTargetBucketIdx = tIdx;
      } else if (lastTargetBucketIdx === tIdx) {
        targetBuckets[targetBuckets.length - 1]! += count;
      } else if (lastTargetBucketIdx + 1 === tIdx) {
        targetSpans[targetSpans.length - 1]!.length++;
        lastTargetBucketIdx++;
        targetBuckets.push(count);
      } else if (lastTargetBucketIdx + 1 < tIdx) {
        targetSpans.push({ offset: tIdx - lastTargetBucketIdx - 1, length: 1 });
        lastTargetBucketIdx = tIdx;
        targetBuckets.push(count);
      }
      bucketIdx++;
      bucketCountIdx++;
    }
  }
  if (bucketCountIdx !== originBuckets.length) {
    throw wrapErr('spansBucketsMismatch', `spans need ${bucketCountIdx} buckets, have ${originBuckets.length} buckets: `);
  }
  return [targetSpans, targetBuckets];
}

/** reduceResolution where the input is known to be valid (Go panics otherwise). */
function mustReduceResolution(spans: readonly Span[], buckets: readonly number[], originSchema: number, targetSchema: number): [Span[], number[]] {
  try {
    return reduceResolution(spans, buckets, originSchema, targetSchema);
  } catch (e) {
    throw new Error(String(e instanceof Error ? e.message : e));
  }
}

/** reduceResolution carrying Kahan compensation buckets along, merged with kahanInc. */
function kahanReduceResolution(
  originSpans: readonly Span[],
  originBuckets: readonly number[],
  originComp: readonly number[],
  originSchema: number,
  targetSchema: number,
): [Span[], number[], number[]] {
  const targetSpans: Span[] = [];
  const targetBuckets: number[] = [];
  const targetComp: number[] = [];
  let bucketIdx = 0;
  let bucketCountIdx = 0;
  let lastTargetBucketIdx = 0;
  for (const span of originSpans) {
    bucketIdx += span.offset;
    for (let j = 0; j < span.length; j++) {
      const tIdx = targetIdx(bucketIdx, originSchema, targetSchema);
      const count = originBuckets[bucketCountIdx]!;
      const c = originComp[bucketCountIdx]!;
      if (targetSpans.length === 0) {
        targetSpans.push({ offset: tIdx, length: 1 });
        targetBuckets.push(count);
        lastTargetBucketIdx = tIdx;
        targetComp.push(c);
      } else if (lastTargetBucketIdx === tIdx) {
        const last = targetBuckets.length - 1;
        [targetBuckets[last], targetComp[last]] = kahanInc(count, targetBuckets[last]!, targetComp[last]!);
        [targetBuckets[last], targetComp[last]] = kahanInc(c, targetBuckets[last]!, targetComp[last]!);
      } else if (lastTargetBucketIdx + 1 === tIdx) {
        targetSpans[targetSpans.length - 1]!.length++;
        lastTargetBucketIdx++;
        targetBuckets.push(count);
        targetComp.push(c);
      } else if (lastTargetBucketIdx + 1 < tIdx) {
        targetSpans.push({ offset: tIdx - lastTargetBucketIdx - 1, length: 1 });
        lastTargetBucketIdx = tIdx;
        targetBuckets.push(count);
        targetComp.push(c);
      }
      bucketIdx++;
      bucketCountIdx++;
    }
  }
  return [targetSpans, targetBuckets, targetComp];
}

/**
 * Go's addBuckets: adds (or, with negative, subtracts) B's buckets into A's, inserting buckets and
 * spans A lacks. A's arrays are modified in place and returned. B's exponential buckets with an
 * upper bound ≤ threshold are skipped (they already went into the zero bucket).
 */
function addBuckets(
  schema: number,
  threshold: number,
  negative: boolean,
  spansA: Span[],
  bucketsA: number[],
  spansB: readonly Span[],
  bucketsB: readonly number[],
): [Span[], number[]] {
  const [spans, buckets] = kahanAddBuckets(schema, threshold, negative, spansA, bucketsA, spansB, bucketsB, null, null);
  return [spans, buckets];
}

/**
 * Go's addBuckets and kahanAddBuckets in one: with compA (A's compensation buckets) the additions
 * are Kahan steps and compB (B's compensation, if any) is added as well; without, plain float
 * additions.
 */
function kahanAddBuckets(
  schema: number,
  threshold: number,
  negative: boolean,
  spansA: Span[],
  bucketsA: number[],
  spansB: readonly Span[],
  bucketsB: readonly number[],
  compA: number[] | null,
  compB: readonly number[] | null,
): [Span[], number[], number[] | null] {
  let iSpan = -1;
  let iBucket = -1;
  let iInSpan = 0;
  let indexA = 0;
  let indexB = 0;
  let bIdxB = 0;
  let lowerThanThreshold = true;
  const exponential = isExponentialSchema(schema);

  const addTo = (i: number, v: number, cv: number): void => {
    if (compA === null) {
      bucketsA[i]! += v;
      return;
    }
    [bucketsA[i], compA[i]] = kahanInc(v, bucketsA[i]!, compA[i]!);
    if (cv !== 0) [bucketsA[i], compA[i]] = kahanInc(cv, bucketsA[i]!, compA[i]!);
  };
  const insertAt = (i: number, v: number, cv: number): void => {
    bucketsA.splice(i, 0, v);
    if (compA !== null) compA.splice(i, 0, cv);
  };

  const nSpansB = spansB.length;
  for (let s = 0; s < nSpansB; s++) {
    const spanB = spansB[s]!;
    indexB += spanB.offset;
    const lengthB = spanB.length;
    for (let j = 0; j < lengthB; j++) {
      place: {
        if (lowerThanThreshold && exponential && getBoundExponential(indexB, schema) <= threshold) break place;
        lowerThanThreshold = false;

        let bucketB = bucketsB[bIdxB]!;
        let compBucketB = compB !== null ? compB[bIdxB]! : 0;
        if (negative) {
          bucketB *= -1;
          compBucketB *= -1;
        }

        if (iSpan === -1) {
          if (spansA.length === 0 || spansA[0]!.offset > indexB) {
            // New first bucket.
            insertAt(0, bucketB, compBucketB);
            if (spansA.length > 0 && spansA[0]!.offset === indexB + 1) {
              spansA[0]!.length++;
              spansA[0]!.offset--;
              break place;
            }
            spansA.unshift({ offset: indexB, length: 1 });
            // The former first span's offset was absolute; it is now relative to the new one.
            if (spansA.length > 1) spansA[1]!.offset -= indexB + 1;
            break place;
          } else if (spansA[0]!.offset === indexB) {
            addTo(0, bucketB, compBucketB);
            break place;
          }
          iSpan = 0;
          iBucket = 0;
          iInSpan = 0;
          indexA = spansA[0]!.offset;
        }
        let deltaIndex = indexB - indexA;
        for (;;) {
          const remainingInSpan = spansA[iSpan]!.length - iInSpan;
          if (deltaIndex < remainingInSpan) {
            iBucket += deltaIndex;
            iInSpan += deltaIndex;
            addTo(iBucket, bucketB, compBucketB);
            break;
          }
          deltaIndex -= remainingInSpan;
          iBucket += remainingInSpan;
          iSpan++;
          if (iSpan === spansA.length || deltaIndex < spansA[iSpan]!.offset) {
            // The bucket falls into the gap after the previous span (or after the last one).
            insertAt(iBucket, bucketB, compBucketB);
            if (deltaIndex === 0) {
              // Right after the previous span: extend it.
              if (iSpan < spansA.length) spansA[iSpan]!.offset--;
              iSpan--;
              iInSpan = spansA[iSpan]!.length;
              spansA[iSpan]!.length++;
            } else if (iSpan < spansA.length && deltaIndex === spansA[iSpan]!.offset - 1) {
              // Right before the next span: extend that one.
              iInSpan = 0;
              spansA[iSpan]!.offset--;
              spansA[iSpan]!.length++;
            } else {
              iInSpan = 0;
              if (iSpan < spansA.length) spansA[iSpan]!.offset -= deltaIndex + 1;
              spansA.splice(iSpan, 0, { offset: deltaIndex, length: 1 });
            }
            break place;
          }
          deltaIndex -= spansA[iSpan]!.offset;
          iInSpan = 0;
        }
      }
      indexA = indexB;
      indexB++;
      bIdxB++;
    }
  }
  return [spansA, bucketsA, compA];
}

/** The bounds both custom-bucket histograms have (null when they share none, like Go's nil). */
function intersectCustomBucketBounds(boundsA: readonly number[], boundsB: readonly number[]): number[] {
  const result: number[] = [];
  let i = 0;
  let j = 0;
  while (i < boundsA.length && j < boundsB.length) {
    const a = boundsA[i]!;
    const b = boundsB[j]!;
    if (a === b) {
      result.push(a);
      i++;
      j++;
    } else if (a < b) i++;
    else j++;
  }
  return result;
}

/**
 * Go's addCustomBucketsWithMismatches: maps both custom-bucket layouts onto the intersected bounds
 * (each bucket goes to the first common bound ≥ its own upper bound, or +Inf) with Kahan steps,
 * then keeps the non-empty target buckets. Returns spans, buckets and their compensation.
 */
function addCustomBucketsWithMismatches(
  negative: boolean,
  spansA: readonly Span[],
  bucketsA: readonly number[],
  boundsA: readonly number[],
  spansB: readonly Span[],
  bucketsB: readonly number[],
  boundsB: readonly number[],
  bucketsC: readonly number[] | null,
  intersected: readonly number[],
): [Span[], number[], number[]] {
  const target = new Array<number>(intersected.length + 1).fill(0);
  const cTarget = new Array<number>(intersected.length + 1).fill(0);

  const mapBuckets = (spans: readonly Span[], buckets: readonly number[], bounds: readonly number[], neg: boolean, withComp: boolean): void => {
    let srcIdx = 0;
    let bucketIdx = 0;
    let intersectIdx = 0;
    for (const span of spans) {
      srcIdx += span.offset;
      for (let k = 0; k < span.length; k++) {
        if (bucketIdx < buckets.length) {
          const value = buckets[bucketIdx]!;
          let t = target.length - 1;
          if (srcIdx < bounds.length) {
            const srcBound = bounds[srcIdx]!;
            // Both bound lists ascend, so the search resumes where it stopped.
            while (intersectIdx < intersected.length) {
              if (intersected[intersectIdx]! >= srcBound) {
                t = intersectIdx;
                break;
              }
              intersectIdx++;
            }
          }
          if (neg) {
            [target[t], cTarget[t]] = kahanDec(value, target[t]!, cTarget[t]!);
          } else {
            [target[t], cTarget[t]] = kahanInc(value, target[t]!, cTarget[t]!);
            if (withComp && bucketsC !== null) [target[t], cTarget[t]] = kahanInc(bucketsC[bucketIdx]!, target[t]!, cTarget[t]!);
          }
        }
        srcIdx++;
        bucketIdx++;
      }
    }
  };
  mapBuckets(spansA, bucketsA, boundsA, false, true);
  mapBuckets(spansB, bucketsB, boundsB, negative, false);

  const destSpans: Span[] = [];
  const destBuckets: number[] = [];
  const cDestBuckets: number[] = [];
  let lastIdx = -1;
  for (let i = 0; i < target.length; i++) {
    if (target[i] === 0 && cTarget[i] === 0) continue;
    destBuckets.push(target[i]!);
    cDestBuckets.push(cTarget[i]!);
    if (destSpans.length > 0 && i === lastIdx + 1) destSpans[destSpans.length - 1]!.length++;
    else destSpans.push({ offset: destSpans.length > 0 ? i - lastIdx - 1 : i, length: 1 });
    lastIdx = i;
  }
  return [destSpans, destBuckets, cDestBuckets];
}

function checkHistogramSpans(spans: readonly Span[], numBuckets: number): HistogramError | null {
  let spanBuckets = 0;
  for (let n = 0; n < spans.length; n++) {
    const span = spans[n]!;
    if (n > 0 && span.offset < 0) return wrapErr('spanNegativeOffset', `span number ${n + 1} with offset ${span.offset}: `);
    spanBuckets += span.length;
  }
  if (spanBuckets !== numBuckets) {
    return wrapErr('spansBucketsMismatch', `spans need ${spanBuckets} buckets, have ${numBuckets} buckets: `);
  }
  return null;
}

function checkHistogramBuckets(buckets: readonly number[]): HistogramError | null {
  for (let i = 0; i < buckets.length; i++) {
    const c = buckets[i]!;
    if (c < 0) return wrapErr('negativeBucketCount', `bucket number ${i + 1} has observation count of ${formatGoG(c)}: `);
  }
  return null;
}

function checkHistogramCustomBounds(bounds: readonly number[], spans: readonly Span[], numBuckets: number): HistogramError | null {
  let prev = -Infinity;
  for (let i = 0; i < bounds.length; i++) {
    const curr = bounds[i]!;
    if (Number.isNaN(curr)) return wrapErr('customBucketsNaN');
    if (i > 0 && curr <= prev) {
      return wrapErr('customBucketsInvalid', `previous bound is ${formatGoF(prev)} and current is ${formatGoF(curr)}: `);
    }
    prev = curr;
  }
  if (prev === Infinity) return wrapErr('customBucketsInfinite', 'last +Inf bound must not be explicitly defined: ');
  let spanBuckets = 0;
  let totalSpanLength = 0;
  for (let n = 0; n < spans.length; n++) {
    const span = spans[n]!;
    if (span.offset < 0) return wrapErr('spanNegativeOffset', `span number ${n + 1} with offset ${span.offset}: `);
    spanBuckets += span.length;
    totalSpanLength += span.length + span.offset;
  }
  if (spanBuckets !== numBuckets) {
    return wrapErr('spansBucketsMismatch', `spans need ${spanBuckets} buckets, have ${numBuckets} buckets: `);
  }
  if (bounds.length + 1 < totalSpanLength) {
    return wrapErr(
      'customBucketsMismatch',
      `only ${bounds.length} custom bounds defined which is insufficient to cover total span length of ${totalSpanLength}: `,
    );
  }
  return null;
}

function prefixed(prefix: string, err: HistogramError): HistogramError {
  return new HistogramError(prefix + err.message, err.kind);
}

// ---------------------------------------------------------------------------------------------
// Trimming (the `</` and `>/` operators)

function computeMidpoint(lower: number, upper: number, isPositive: boolean, isLinear: boolean): number {
  const lowerInf = lower === Infinity || lower === -Infinity;
  const upperInf = upper === Infinity || upper === -Infinity;
  if (lowerInf) {
    if (upperInf) return 0;
    if (upper > 0) return upper / 2;
    return upper;
  } else if (upperInf) {
    return lower;
  }
  if (isLinear) return (lower + upper) / 2;
  const geoMean = Math.sqrt(Math.abs(lower * upper));
  return isPositive ? geoMean : -geoMean;
}

/** Count kept and its midpoint for a bucket with an infinite bound, where nothing can be interpolated. */
function handleInfinityBuckets(isUpperTrim: boolean, b: Bucket, rhs: number): [number, number] {
  const zeroIfInf = (x: number): number => (x === Infinity || x === -Infinity ? 0 : x);
  if (b.lower === -Infinity) {
    if (isUpperTrim) {
      if (rhs >= b.upper) return [b.count, 0];
      // A finite positive upper bound only occurs with custom buckets: treat the lower bound as 0.
      if (rhs > 0 && b.upper > 0 && b.upper !== Infinity) return [(b.count * rhs) / b.upper, rhs / 2];
      if (b.upper <= 0) return [b.count, rhs];
      return [0, zeroIfInf(b.upper)];
    }
    if (rhs <= b.lower) return [b.count, 0];
    if (rhs >= 0 && b.upper > rhs && b.upper !== Infinity) return [b.count * (1 - rhs / b.upper), (rhs + b.upper) / 2];
    return [0, zeroIfInf(b.upper)];
  }
  if (b.upper === Infinity) {
    if (isUpperTrim) return [0, zeroIfInf(b.lower)];
    if (rhs >= b.lower) return [b.count, rhs];
    return [0, zeroIfInf(b.lower)];
  }
  throw new Error(`one of the bounds must be infinite for handleInfinityBuckets, got ${bucketToString(b)}`);
}

function computeSplit(b: Bucket, rhs: number, isLinear: boolean): number {
  if (rhs <= b.lower) return 0;
  if (rhs >= b.upper) return b.count;
  return b.count * fractionBelow(b, rhs, isLinear);
}

function computeZeroBucketTrim(zb: Bucket, rhs: number, hasNegative: boolean, hasPositive: boolean, isUpperTrim: boolean): [number, number] {
  let lower = zb.lower;
  let upper = zb.upper;
  if (hasNegative && !hasPositive) upper = 0;
  if (hasPositive && !hasNegative) lower = 0;
  let fraction: number;
  let midpoint: number;
  if (isUpperTrim) {
    if (rhs <= lower) return [0, 0];
    if (rhs >= upper) return [zb.count, (lower + upper) / 2];
    fraction = (rhs - lower) / (upper - lower);
    midpoint = (lower + rhs) / 2;
  } else {
    if (rhs <= lower) return [zb.count, (lower + upper) / 2];
    if (rhs >= upper) return [0, 0];
    fraction = (upper - rhs) / (upper - lower);
    midpoint = (rhs + upper) / 2;
  }
  return [zb.count * fraction, midpoint];
}

function computeBucketTrim(b: Bucket, rhs: number, isUpperTrim: boolean, isPositive: boolean, isCustomBucket: boolean): [number, number] {
  if (b.lower === -Infinity || b.upper === Infinity) return handleInfinityBuckets(isUpperTrim, b, rhs);
  const underCount = computeSplit(b, rhs, isCustomBucket);
  if (isUpperTrim) return [underCount, computeMidpoint(b.lower, rhs, isPositive, isCustomBucket)];
  return [b.count - underCount, computeMidpoint(rhs, b.upper, isPositive, isCustomBucket)];
}

// ---------------------------------------------------------------------------------------------
// FloatHistogram

export interface FloatHistogramInit {
  counterResetHint?: CounterResetHint;
  schema?: number;
  zeroThreshold?: number;
  zeroCount?: number;
  count?: number;
  sum?: number;
  positiveSpans?: Span[];
  negativeSpans?: Span[];
  positiveBuckets?: number[];
  negativeBuckets?: number[];
  customValues?: number[];
}

/** What Add/Sub report besides the result (Go returns these as extra results). */
export interface CombineResult {
  /** One side said counter reset, the other not: PromQL warns (for + and -). */
  counterResetCollision: boolean;
  /** Custom bounds differed and were reduced to the common ones: PromQL adds an info annotation. */
  nhcbBoundsReconciled: boolean;
}

export class FloatHistogram {
  counterResetHint: CounterResetHint;
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  count: number;
  sum: number;
  positiveSpans: Span[];
  negativeSpans: Span[];
  /** Absolute counts, one per bucket the spans describe. */
  positiveBuckets: number[];
  negativeBuckets: number[];
  /**
   * Upper bounds of the custom buckets (schema -53 only); +Inf is implied. Treated as immutable
   * and shared between copies, as Go interns them. Empty means Go's nil.
   */
  customValues: number[];

  constructor(init: FloatHistogramInit = {}) {
    this.counterResetHint = init.counterResetHint ?? 'unknown';
    this.schema = init.schema ?? 0;
    this.zeroThreshold = init.zeroThreshold ?? 0;
    this.zeroCount = init.zeroCount ?? 0;
    this.count = init.count ?? 0;
    this.sum = init.sum ?? 0;
    this.positiveSpans = init.positiveSpans ?? [];
    this.negativeSpans = init.negativeSpans ?? [];
    this.positiveBuckets = init.positiveBuckets ?? [];
    this.negativeBuckets = init.negativeBuckets ?? [];
    this.customValues = init.customValues ?? [];
  }

  usesCustomBuckets(): boolean {
    return isCustomBucketsSchema(this.schema);
  }

  /** A deep copy (custom values are shared, being immutable). */
  copy(): FloatHistogram {
    const custom = this.usesCustomBuckets();
    return new FloatHistogram({
      counterResetHint: this.counterResetHint,
      schema: this.schema,
      count: this.count,
      sum: this.sum,
      zeroThreshold: custom ? 0 : this.zeroThreshold,
      zeroCount: custom ? 0 : this.zeroCount,
      negativeSpans: custom ? [] : cloneSpans(this.negativeSpans),
      negativeBuckets: custom ? [] : this.negativeBuckets.slice(),
      positiveSpans: cloneSpans(this.positiveSpans),
      positiveBuckets: this.positiveBuckets.slice(),
      customValues: custom ? this.customValues : [],
    });
  }

  /** Deep copy into an existing histogram (Go's CopyTo). */
  copyTo(to: FloatHistogram): void {
    to.counterResetHint = this.counterResetHint;
    to.schema = this.schema;
    to.count = this.count;
    to.sum = this.sum;
    if (this.usesCustomBuckets()) {
      to.zeroThreshold = 0;
      to.zeroCount = 0;
      to.negativeSpans = [];
      to.negativeBuckets = [];
      to.customValues = this.customValues;
    } else {
      to.zeroThreshold = this.zeroThreshold;
      to.zeroCount = this.zeroCount;
      to.negativeSpans = cloneSpans(this.negativeSpans);
      to.negativeBuckets = this.negativeBuckets.slice();
      to.customValues = [];
    }
    to.positiveSpans = cloneSpans(this.positiveSpans);
    to.positiveBuckets = this.positiveBuckets.slice();
  }

  /**
   * A deep copy in the given lower-or-equal exponential schema. Like Go, a reduced copy has the
   * counter reset hint 'unknown'; an unchanged schema keeps it.
   */
  copyToSchema(targetSchema: number): FloatHistogram {
    if (targetSchema === this.schema) return this.copy();
    if (this.usesCustomBuckets()) throw new Error(`cannot reduce resolution to ${targetSchema} when there are custom buckets`);
    if (isCustomBucketsSchema(targetSchema)) throw new Error('cannot reduce resolution to custom buckets schema');
    if (targetSchema > this.schema) throw new Error(`cannot copy from schema ${this.schema} to ${targetSchema}`);
    const [positiveSpans, positiveBuckets] = mustReduceResolution(this.positiveSpans, this.positiveBuckets, this.schema, targetSchema);
    const [negativeSpans, negativeBuckets] = mustReduceResolution(this.negativeSpans, this.negativeBuckets, this.schema, targetSchema);
    return new FloatHistogram({
      schema: targetSchema,
      zeroThreshold: this.zeroThreshold,
      zeroCount: this.zeroCount,
      count: this.count,
      sum: this.sum,
      positiveSpans,
      positiveBuckets,
      negativeSpans,
      negativeBuckets,
    });
  }

  /** Go's String(): `{count:…, sum:…, <populated buckets, lowest first>}`. */
  toString(): string {
    const parts = [`{count:${formatGoG(this.count)}, sum:${formatGoG(this.sum)}`];
    const negative: Bucket[] = [];
    for (const b of this.negativeBucketIterator()) if (b.count !== 0) negative.push(b);
    for (let i = negative.length - 1; i >= 0; i--) parts.push(bucketToString(negative[i]!));
    if (this.zeroCount !== 0) parts.push(bucketToString(this.zeroBucket()));
    for (const b of this.positiveBucketIterator()) if (b.count !== 0) parts.push(bucketToString(b));
    return parts.join(', ') + '}';
  }

  /** Go's TestExpression(): the `{{…}}` notation of promqltest series and promtool unit tests. */
  testExpression(): string {
    const m = this.copy();
    m.compact(Number.MAX_SAFE_INTEGER); // at most one span per side
    const res: string[] = [];
    if (m.schema !== 0) res.push(`schema:${m.schema}`);
    if (m.count !== 0) res.push(`count:${formatGoG(m.count)}`);
    if (m.sum !== 0) res.push(`sum:${formatGoG(m.sum)}`);
    if (m.zeroCount !== 0) res.push(`z_bucket:${formatGoG(m.zeroCount)}`);
    if (m.zeroThreshold !== 0) res.push(`z_bucket_w:${formatGoG(m.zeroThreshold)}`);
    if (m.usesCustomBuckets()) res.push(`custom_values:[${m.customValues.map(formatGoG).join(' ')}]`);
    if (m.counterResetHint !== 'unknown') res.push(`counter_reset_hint:${m.counterResetHint}`);
    const addBucketsText = (kind: string, bucketsKey: string, offsetKey: string, buckets: number[], spans: Span[]): void => {
      if (spans.length > 1) throw new Error(`histogram with multiple ${kind} spans not supported`);
      for (const span of spans) if (span.offset !== 0) res.push(`${offsetKey}:${span.offset}`);
      if (buckets.length > 0) res.push(`${bucketsKey}:[${buckets.map(formatGoG).join(' ')}]`);
    };
    addBucketsText('positive', 'buckets', 'offset', m.positiveBuckets, m.positiveSpans);
    addBucketsText('negative', 'n_buckets', 'n_offset', m.negativeBuckets, m.negativeSpans);
    return `{{${res.join(' ')}}}`;
  }

  /** The zero bucket [-threshold, threshold]; custom-bucket histograms have none. */
  zeroBucket(): Bucket {
    if (this.usesCustomBuckets()) throw new Error('histograms with custom buckets have no zero bucket');
    return {
      lower: -this.zeroThreshold,
      upper: this.zeroThreshold,
      lowerInclusive: true,
      upperInclusive: true,
      count: this.zeroCount,
      index: 0,
    };
  }

  /** Scales all counts and the sum in place; a negative factor makes the result a gauge. */
  mul(factor: number): this {
    this.zeroCount *= factor;
    this.count *= factor;
    this.sum *= factor;
    for (let i = 0; i < this.positiveBuckets.length; i++) this.positiveBuckets[i]! *= factor;
    for (let i = 0; i < this.negativeBuckets.length; i++) this.negativeBuckets[i]! *= factor;
    if (factor < 0) this.counterResetHint = 'gauge';
    return this;
  }

  /**
   * Divides in place. Dividing by 0 turns count, sum and zero count into ±Inf/NaN and drops all
   * buckets (and leaves the hint alone); a negative divisor makes the result a gauge.
   */
  div(scalar: number): this {
    this.zeroCount /= scalar;
    this.count /= scalar;
    this.sum /= scalar;
    if (scalar === 0) {
      this.positiveBuckets = [];
      this.negativeBuckets = [];
      this.positiveSpans = [];
      this.negativeSpans = [];
      return this;
    }
    for (let i = 0; i < this.positiveBuckets.length; i++) this.positiveBuckets[i]! /= scalar;
    for (let i = 0; i < this.negativeBuckets.length; i++) this.negativeBuckets[i]! /= scalar;
    if (scalar < 0) this.counterResetHint = 'gauge';
    return this;
  }

  /**
   * Adds other into this histogram (other is not modified), reconciling zero thresholds, schemas
   * (to the lower one) and custom bounds (to their intersection). The result may hold empty
   * buckets or adjacent spans: compact it afterwards. Throws HistogramError (incompatibleSchema)
   * when one side has custom buckets and the other not.
   */
  add(other: FloatHistogram): CombineResult {
    return this.addOrSub(other, false);
  }

  /**
   * Like add, but subtracts. The counter reset hint is adjusted as for add; PromQL's `-` operator
   * then sets it to 'gauge' itself.
   */
  sub(other: FloatHistogram): CombineResult {
    return this.addOrSub(other, true);
  }

  private addOrSub(other: FloatHistogram, negative: boolean): CombineResult {
    this.checkSchemaAndBounds(other);
    const counterResetCollision = this.adjustCounterReset(other);
    let nhcbBoundsReconciled = false;
    if (!this.usesCustomBuckets()) {
      const [otherZeroCount] = this.reconcileZeroBuckets(other, null);
      if (negative) this.zeroCount -= otherZeroCount;
      else this.zeroCount += otherZeroCount;
    }
    if (negative) {
      this.count -= other.count;
      this.sum -= other.sum;
    } else {
      this.count += other.count;
      this.sum += other.sum;
    }

    let hPositiveSpans = this.positiveSpans;
    let hPositiveBuckets = this.positiveBuckets;
    let otherPositiveSpans: readonly Span[] = other.positiveSpans;
    let otherPositiveBuckets: readonly number[] = other.positiveBuckets;

    if (this.usesCustomBuckets()) {
      if (customBucketBoundsMatch(this.customValues, other.customValues)) {
        [this.positiveSpans, this.positiveBuckets] = addBuckets(
          this.schema,
          this.zeroThreshold,
          negative,
          hPositiveSpans,
          hPositiveBuckets,
          otherPositiveSpans,
          otherPositiveBuckets,
        );
      } else {
        nhcbBoundsReconciled = true;
        const intersected = intersectCustomBucketBounds(this.customValues, other.customValues);
        [this.positiveSpans, this.positiveBuckets] = addCustomBucketsWithMismatches(
          negative,
          hPositiveSpans,
          hPositiveBuckets,
          this.customValues,
          otherPositiveSpans,
          otherPositiveBuckets,
          other.customValues,
          null,
          intersected,
        );
        this.customValues = intersected;
      }
      return { counterResetCollision, nhcbBoundsReconciled };
    }

    let hNegativeSpans = this.negativeSpans;
    let hNegativeBuckets = this.negativeBuckets;
    let otherNegativeSpans: readonly Span[] = other.negativeSpans;
    let otherNegativeBuckets: readonly number[] = other.negativeBuckets;

    if (other.schema < this.schema) {
      [hPositiveSpans, hPositiveBuckets] = mustReduceResolution(hPositiveSpans, hPositiveBuckets, this.schema, other.schema);
      [hNegativeSpans, hNegativeBuckets] = mustReduceResolution(hNegativeSpans, hNegativeBuckets, this.schema, other.schema);
      this.schema = other.schema;
    } else if (other.schema > this.schema) {
      [otherPositiveSpans, otherPositiveBuckets] = mustReduceResolution(otherPositiveSpans, otherPositiveBuckets, other.schema, this.schema);
      [otherNegativeSpans, otherNegativeBuckets] = mustReduceResolution(otherNegativeSpans, otherNegativeBuckets, other.schema, this.schema);
    }

    [this.positiveSpans, this.positiveBuckets] = addBuckets(
      this.schema,
      this.zeroThreshold,
      negative,
      hPositiveSpans,
      hPositiveBuckets,
      otherPositiveSpans,
      otherPositiveBuckets,
    );
    [this.negativeSpans, this.negativeBuckets] = addBuckets(
      this.schema,
      this.zeroThreshold,
      negative,
      hNegativeSpans,
      hNegativeBuckets,
      otherNegativeSpans,
      otherNegativeBuckets,
    );
    return { counterResetCollision, nhcbBoundsReconciled };
  }

  /**
   * add with Kahan summation, as sum(), avg(), sum_over_time() and avg_over_time() use it. c holds
   * the running compensation (pass null first: one is created) and is modified in place; always
   * continue with the returned c. Finish the way Prometheus does: `h.add(c)` (then compact(0)).
   */
  kahanAdd(other: FloatHistogram, c: FloatHistogram | null): CombineResult & { c: FloatHistogram } {
    this.checkSchemaAndBounds(other);
    const counterResetCollision = this.adjustCounterReset(other);
    let nhcbBoundsReconciled = false;
    if (c === null) c = this.newCompensationHistogram();
    if (!this.usesCustomBuckets()) {
      const [otherZeroCount, otherCZeroCount] = this.reconcileZeroBuckets(other, c);
      [this.zeroCount, c.zeroCount] = kahanInc(otherZeroCount, this.zeroCount, c.zeroCount);
      [this.zeroCount, c.zeroCount] = kahanInc(otherCZeroCount, this.zeroCount, c.zeroCount);
    }
    [this.count, c.count] = kahanInc(other.count, this.count, c.count);
    [this.sum, c.sum] = kahanInc(other.sum, this.sum, c.sum);

    let hPositiveSpans = this.positiveSpans;
    let hPositiveBuckets = this.positiveBuckets;
    let otherPositiveSpans: readonly Span[] = other.positiveSpans;
    let otherPositiveBuckets: readonly number[] = other.positiveBuckets;
    let cPositiveBuckets = c.positiveBuckets;

    if (this.usesCustomBuckets()) {
      if (customBucketBoundsMatch(this.customValues, other.customValues)) {
        const [spans, buckets, comp] = kahanAddBuckets(
          this.schema,
          this.zeroThreshold,
          false,
          hPositiveSpans,
          hPositiveBuckets,
          otherPositiveSpans,
          otherPositiveBuckets,
          cPositiveBuckets,
          null,
        );
        this.positiveSpans = spans;
        this.positiveBuckets = buckets;
        c.positiveBuckets = comp!;
      } else {
        nhcbBoundsReconciled = true;
        const intersected = intersectCustomBucketBounds(this.customValues, other.customValues);
        [this.positiveSpans, this.positiveBuckets, c.positiveBuckets] = addCustomBucketsWithMismatches(
          false,
          hPositiveSpans,
          hPositiveBuckets,
          this.customValues,
          otherPositiveSpans,
          otherPositiveBuckets,
          other.customValues,
          cPositiveBuckets,
          intersected,
        );
        this.customValues = intersected;
        c.customValues = intersected;
      }
      c.positiveSpans = this.positiveSpans;
      return { c, counterResetCollision, nhcbBoundsReconciled };
    }

    let hNegativeSpans = this.negativeSpans;
    let hNegativeBuckets = this.negativeBuckets;
    let otherNegativeSpans: readonly Span[] = other.negativeSpans;
    let otherNegativeBuckets: readonly number[] = other.negativeBuckets;
    let cNegativeBuckets = c.negativeBuckets;
    let otherCPositiveBuckets: number[] | null = null;
    let otherCNegativeBuckets: number[] | null = null;

    if (other.schema < this.schema) {
      [hPositiveSpans, hPositiveBuckets, cPositiveBuckets] = kahanReduceResolution(
        hPositiveSpans,
        hPositiveBuckets,
        cPositiveBuckets,
        this.schema,
        other.schema,
      );
      [hNegativeSpans, hNegativeBuckets, cNegativeBuckets] = kahanReduceResolution(
        hNegativeSpans,
        hNegativeBuckets,
        cNegativeBuckets,
        this.schema,
        other.schema,
      );
      this.schema = other.schema;
    } else if (other.schema > this.schema) {
      if (otherPositiveBuckets.length > 0) {
        [otherPositiveSpans, otherPositiveBuckets, otherCPositiveBuckets] = kahanReduceResolution(
          otherPositiveSpans,
          otherPositiveBuckets,
          new Array<number>(otherPositiveBuckets.length).fill(0),
          other.schema,
          this.schema,
        );
      }
      if (otherNegativeBuckets.length > 0) {
        [otherNegativeSpans, otherNegativeBuckets, otherCNegativeBuckets] = kahanReduceResolution(
          otherNegativeSpans,
          otherNegativeBuckets,
          new Array<number>(otherNegativeBuckets.length).fill(0),
          other.schema,
          this.schema,
        );
      }
    }

    let comp: number[] | null;
    [this.positiveSpans, this.positiveBuckets, comp] = kahanAddBuckets(
      this.schema,
      this.zeroThreshold,
      false,
      hPositiveSpans,
      hPositiveBuckets,
      otherPositiveSpans,
      otherPositiveBuckets,
      cPositiveBuckets,
      otherCPositiveBuckets,
    );
    c.positiveBuckets = comp!;
    [this.negativeSpans, this.negativeBuckets, comp] = kahanAddBuckets(
      this.schema,
      this.zeroThreshold,
      false,
      hNegativeSpans,
      hNegativeBuckets,
      otherNegativeSpans,
      otherNegativeBuckets,
      cNegativeBuckets,
      otherCNegativeBuckets,
    );
    c.negativeBuckets = comp!;

    c.schema = this.schema;
    c.zeroThreshold = this.zeroThreshold;
    c.positiveSpans = this.positiveSpans;
    c.negativeSpans = this.negativeSpans;
    return { c, counterResetCollision, nhcbBoundsReconciled };
  }

  /**
   * Exact equality of the data: same schema, layout (zero-length spans aside) and bit-identical
   * counts, sum and buckets. Fields the schema does not use are ignored.
   */
  equals(h2: FloatHistogram | null): boolean {
    if (h2 === null) return false;
    if (this.schema !== h2.schema || !bitsEqual(this.count, h2.count) || !bitsEqual(this.sum, h2.sum)) return false;
    if (this.usesCustomBuckets() && !customBucketBoundsMatch(this.customValues, h2.customValues)) return false;
    if (this.zeroThreshold !== h2.zeroThreshold || !bitsEqual(this.zeroCount, h2.zeroCount)) return false;
    if (!spansMatch(this.negativeSpans, h2.negativeSpans)) return false;
    if (!floatBucketsMatch(this.negativeBuckets, h2.negativeBuckets)) return false;
    if (!spansMatch(this.positiveSpans, h2.positiveSpans)) return false;
    if (!floatBucketsMatch(this.positiveBuckets, h2.positiveBuckets)) return false;
    return true;
  }

  /** Go's Size(): bytes the histogram takes in Go on 64-bit platforms (used by query limits). */
  size(): number {
    return (
      168 +
      8 * (this.positiveSpans.length + this.negativeSpans.length) +
      8 * (this.positiveBuckets.length + this.negativeBuckets.length + this.customValues.length)
    );
  }

  /**
   * Removes empty buckets at span edges, splits spans at runs of more than maxEmptyBuckets empty
   * buckets and merges spans at most maxEmptyBuckets apart, in place.
   */
  compact(maxEmptyBuckets: number): this {
    [this.positiveBuckets, , this.positiveSpans] = compactBuckets(this.positiveBuckets, null, this.positiveSpans, maxEmptyBuckets);
    [this.negativeBuckets, , this.negativeSpans] = compactBuckets(this.negativeBuckets, null, this.negativeSpans, maxEmptyBuckets);
    return this;
  }

  /** compact for a sum and its Kahan compensation histogram, keeping their layouts aligned. */
  kahanCompact(maxEmptyBuckets: number, c: FloatHistogram): void {
    let comp: number[] | null;
    [this.positiveBuckets, comp, this.positiveSpans] = compactBuckets(this.positiveBuckets, c.positiveBuckets, this.positiveSpans, maxEmptyBuckets);
    c.positiveBuckets = comp!;
    [this.negativeBuckets, comp, this.negativeSpans] = compactBuckets(this.negativeBuckets, c.negativeBuckets, this.negativeSpans, maxEmptyBuckets);
    c.negativeBuckets = comp!;
  }

  /**
   * Whether this histogram, following previous, starts after a counter reset: the hint decides if
   * it is 'reset' or 'not_reset'; otherwise any count that went down (total, zero bucket, any
   * bucket, after bringing previous to this schema and zero threshold) or a resolution increase
   * or zero-threshold decrease means a reset. Gauge histograms are checked like counters.
   */
  detectReset(previous: FloatHistogram): boolean {
    if (this.counterResetHint === 'reset') return true;
    if (this.counterResetHint === 'not_reset') return false;
    if (this.count < previous.count) return true;
    if (this.usesCustomBuckets()) {
      if (!previous.usesCustomBuckets()) return true;
      if (!customBucketBoundsMatch(this.customValues, previous.customValues)) {
        return this.detectResetWithMismatchedCustomBounds(previous, this.customValues, previous.customValues);
      }
    }
    if (this.schema > previous.schema) return true;
    if (this.zeroThreshold < previous.zeroThreshold) return true;
    const [previousZeroCount, newThreshold] = previous.zeroCountForLargerThreshold(this.zeroThreshold, null);
    // The larger threshold cuts through a populated bucket of previous.
    if (newThreshold !== this.zeroThreshold) return true;
    if (this.zeroCount < previousZeroCount) return true;
    if (
      detectResetBuckets(
        this.floatBucketIterator(true, this.zeroThreshold, this.schema),
        previous.floatBucketIterator(true, this.zeroThreshold, this.schema),
      )
    ) {
      return true;
    }
    return detectResetBuckets(
      this.floatBucketIterator(false, this.zeroThreshold, this.schema),
      previous.floatBucketIterator(false, this.zeroThreshold, this.schema),
    );
  }

  /** Compares both custom-bucket histograms bound by bound on the bounds they share. */
  private detectResetWithMismatchedCustomBounds(previous: FloatHistogram, currBounds: readonly number[], prevBounds: readonly number[]): boolean {
    if (this.schema !== CUSTOM_BUCKETS_SCHEMA || previous.schema !== CUSTOM_BUCKETS_SCHEMA) {
      throw new Error('detectResetWithMismatchedCustomBounds called with non-NHCB schema');
    }
    const currIt = this.floatBucketIterator(true, 0, CUSTOM_BUCKETS_SCHEMA);
    const prevIt = previous.floatBucketIterator(true, 0, CUSTOM_BUCKETS_SCHEMA);

    // Sum of the buckets up to bound; returns the sum, the first bucket beyond, whether one exists.
    const rollupSumForBound = (it: FloatBucketIterator, started: boolean, bucket: Bucket, bound: number): [number, Bucket, boolean] => {
      if (!started) {
        if (!it.advance()) return [0, emptyBucket(), false];
        bucket = it.at();
      }
      let sum = 0;
      while (bucket.upper <= bound) {
        sum += bucket.count;
        if (!it.advance()) return [sum, emptyBucket(), false];
        bucket = it.at();
      }
      return [sum, bucket, true];
    };

    let currBoundIdx = 0;
    let prevBoundIdx = 0;
    let currBucket = emptyBucket();
    let prevBucket = emptyBucket();
    let currStarted = false;
    let currHasMore = false;
    let prevStarted = false;
    let prevHasMore = false;
    while (currBoundIdx <= currBounds.length && prevBoundIdx <= prevBounds.length) {
      const currBound = currBoundIdx < currBounds.length ? currBounds[currBoundIdx]! : Infinity;
      const prevBound = prevBoundIdx < prevBounds.length ? prevBounds[prevBoundIdx]! : Infinity;
      if (currBound === prevBound) {
        let currRollup = 0;
        if (!currStarted || currHasMore) {
          [currRollup, currBucket, currHasMore] = rollupSumForBound(currIt, currStarted, currBucket, currBound);
          currStarted = true;
        }
        let prevRollup = 0;
        if (!prevStarted || prevHasMore) {
          [prevRollup, prevBucket, prevHasMore] = rollupSumForBound(prevIt, prevStarted, prevBucket, currBound);
          prevStarted = true;
        }
        if (currRollup < prevRollup) return true;
        currBoundIdx++;
        prevBoundIdx++;
      } else if (currBound < prevBound) {
        currBoundIdx++;
      } else {
        prevBoundIdx++;
      }
    }
    return false;
  }

  /** Positive buckets, ascending. */
  positiveBucketIterator(): BucketIterator {
    return this.floatBucketIterator(true, 0, this.schema);
  }

  /** Negative buckets, from the one next to zero downwards. */
  negativeBucketIterator(): BucketIterator {
    return this.floatBucketIterator(false, 0, this.schema);
  }

  /** Positive buckets, from the highest down towards zero. */
  positiveReverseBucketIterator(): BucketIterator {
    return new ReverseFloatBucketIterator(this.positiveSpans, this.positiveBuckets, this.schema, true, this.customValues);
  }

  /** Negative buckets, from the lowest up towards zero. */
  negativeReverseBucketIterator(): BucketIterator {
    return new ReverseFloatBucketIterator(this.negativeSpans, this.negativeBuckets, this.schema, false, []);
  }

  /**
   * All buckets in ascending order: negative, the zero bucket (if its count is > 0), positive.
   * Buckets reaching into the zero bucket are cut at the zero threshold.
   */
  allBucketIterator(): BucketIterator {
    return new AllFloatBucketIterator(
      this,
      new ReverseFloatBucketIterator(this.negativeSpans, this.negativeBuckets, this.schema, false, []),
      this.floatBucketIterator(true, 0, this.schema),
    );
  }

  /** allBucketIterator in descending order. */
  allReverseBucketIterator(): BucketIterator {
    return new AllFloatBucketIterator(
      this,
      new ReverseFloatBucketIterator(this.positiveSpans, this.positiveBuckets, this.schema, true, this.customValues),
      this.floatBucketIterator(false, 0, this.schema),
    );
  }

  /**
   * Iterator over one side merged into targetSchema (≤ this.schema), skipping exponential buckets
   * whose upper bound is ≤ absoluteStartValue.
   */
  floatBucketIterator(positive: boolean, absoluteStartValue: number, targetSchema: number): FloatBucketIterator {
    if (this.usesCustomBuckets() && targetSchema !== this.schema) {
      throw new Error('cannot merge from custom buckets schema to exponential schema');
    }
    if (!this.usesCustomBuckets() && isCustomBucketsSchema(targetSchema)) {
      throw new Error('cannot merge from exponential buckets schema to custom schema');
    }
    if (targetSchema > this.schema) throw new Error(`cannot merge from schema ${this.schema} to ${targetSchema}`);
    return positive
      ? new FloatBucketIterator(this.schema, this.positiveSpans, this.positiveBuckets, true, this.customValues, targetSchema, absoluteStartValue)
      : new FloatBucketIterator(this.schema, this.negativeSpans, this.negativeBuckets, false, [], targetSchema, absoluteStartValue);
  }

  /**
   * Checks spans against buckets, negative counts and fields the schema forbids; throws
   * HistogramError worded as Go's Validate. Does not compare count with the buckets' total.
   */
  validate(): void {
    if (isCustomBucketsSchema(this.schema)) {
      const err = checkHistogramCustomBounds(this.customValues, this.positiveSpans, this.positiveBuckets.length);
      if (err) throw prefixed('custom buckets: ', err);
      if (this.zeroCount !== 0) throw wrapErr('customBucketsZeroCount');
      if (this.zeroThreshold !== 0) throw wrapErr('customBucketsZeroThresh');
      if (this.negativeSpans.length > 0) throw wrapErr('customBucketsNegSpans');
      if (this.negativeBuckets.length > 0) throw wrapErr('customBucketsNegBuckets');
    } else if (isExponentialSchema(this.schema)) {
      let err = checkHistogramSpans(this.positiveSpans, this.positiveBuckets.length);
      if (err) throw prefixed('positive side: ', err);
      err = checkHistogramSpans(this.negativeSpans, this.negativeBuckets.length);
      if (err) throw prefixed('negative side: ', err);
      err = checkHistogramBuckets(this.negativeBuckets);
      if (err) throw prefixed('negative side: ', err);
      if (this.zeroCount < 0) {
        throw wrapErr('negativeBucketCount', `zero bucket has observation count of ${formatGoG(this.zeroCount)}: `);
      }
      if (this.customValues.length > 0) throw wrapErr('expSchemaCustomBounds');
    } else {
      throw invalidSchemaError(this.schema);
    }
    if (this.count < 0) throw wrapErr('negativeCount', `observation count is  ${formatGoG(this.count)}: `);
    const err = checkHistogramBuckets(this.positiveBuckets);
    if (err) throw prefixed('positive side: ', err);
  }

  /**
   * What the zero count (and the compensation's zero count, with c) would be with the given larger
   * zero threshold; a threshold inside a populated bucket grows to that bucket's far bound.
   * Returns [zeroCount, threshold, cZeroCount].
   */
  private zeroCountForLargerThreshold(largerThreshold: number, c: FloatHistogram | null): [number, number, number] {
    let cZeroCount = c !== null ? c.zeroCount : 0;
    if (largerThreshold === this.zeroThreshold) return [this.zeroCount, largerThreshold, cZeroCount];
    if (largerThreshold < this.zeroThreshold) {
      throw new Error(`new threshold ${formatGoF(largerThreshold)} is less than old threshold ${formatGoF(this.zeroThreshold)}`);
    }
    // Go restarts with the zero count but keeps the compensation gathered so far when a negative
    // bucket moves the threshold; so does this port.
    outer: for (;;) {
      let hZeroCount = this.zeroCount;
      let it = this.positiveBucketIterator();
      let bucketsIdx = 0;
      while (it.advance()) {
        const b = it.at();
        if (b.lower >= largerThreshold) break;
        [hZeroCount, cZeroCount] = kahanInc(b.count, hZeroCount, cZeroCount);
        if (c !== null) [hZeroCount, cZeroCount] = kahanInc(c.positiveBuckets[bucketsIdx]!, hZeroCount, cZeroCount);
        if (b.upper > largerThreshold) {
          if (b.count !== 0) largerThreshold = b.upper;
          break;
        }
        bucketsIdx++;
      }
      it = this.negativeBucketIterator();
      bucketsIdx = 0;
      while (it.advance()) {
        const b = it.at();
        if (b.upper <= -largerThreshold) break;
        [hZeroCount, cZeroCount] = kahanInc(b.count, hZeroCount, cZeroCount);
        if (c !== null) [hZeroCount, cZeroCount] = kahanInc(c.negativeBuckets[bucketsIdx]!, hZeroCount, cZeroCount);
        if (b.lower < -largerThreshold) {
          if (b.count !== 0) {
            // The positive side has to be redone with the grown threshold.
            largerThreshold = -b.lower;
            continue outer;
          }
          break;
        }
        bucketsIdx++;
      }
      return [hZeroCount, largerThreshold, cZeroCount];
    }
  }

  /** Empties the buckets inside the zero bucket (their counts are already in it) and compacts. */
  private trimBucketsInZeroBucket(c: FloatHistogram | null): void {
    let it = this.positiveBucketIterator();
    let bucketsIdx = 0;
    while (it.advance()) {
      if (it.at().lower >= this.zeroThreshold) break;
      this.positiveBuckets[bucketsIdx] = 0;
      if (c !== null) c.positiveBuckets[bucketsIdx] = 0;
      bucketsIdx++;
    }
    it = this.negativeBucketIterator();
    bucketsIdx = 0;
    while (it.advance()) {
      if (it.at().upper <= -this.zeroThreshold) break;
      this.negativeBuckets[bucketsIdx] = 0;
      if (c !== null) c.negativeBuckets[bucketsIdx] = 0;
      bucketsIdx++;
    }
    if (c !== null) this.kahanCompact(0, c);
    else this.compact(0);
  }

  /**
   * Widens this histogram's zero bucket until it covers both zero buckets without cutting through
   * a populated bucket of either; returns what other's zero count (and its compensation) would be.
   */
  private reconcileZeroBuckets(other: FloatHistogram, c: FloatHistogram | null): [number, number] {
    let otherZeroCount = other.zeroCount;
    let otherZeroThreshold = other.zeroThreshold;
    let otherCZeroCount = 0;
    while (otherZeroThreshold !== this.zeroThreshold) {
      if (this.zeroThreshold > otherZeroThreshold) {
        [otherZeroCount, otherZeroThreshold, otherCZeroCount] = other.zeroCountForLargerThreshold(this.zeroThreshold, null);
      }
      if (otherZeroThreshold > this.zeroThreshold) {
        let cZeroCount: number;
        [this.zeroCount, this.zeroThreshold, cZeroCount] = this.zeroCountForLargerThreshold(otherZeroThreshold, c);
        if (c !== null) c.zeroCount = cZeroCount;
        this.trimBucketsInZeroBucket(c);
      }
    }
    return [otherZeroCount, otherCZeroCount];
  }

  /**
   * Brings the histogram to a lower exponential schema in place. Throws HistogramError for custom
   * buckets, a target that is not lower, or inconsistent spans.
   */
  reduceResolution(targetSchema: number): void {
    if (this.usesCustomBuckets()) throw new HistogramError('cannot reduce resolution when there are custom buckets');
    if (isCustomBucketsSchema(targetSchema)) throw new HistogramError('cannot reduce resolution to custom buckets schema');
    if (targetSchema >= this.schema) {
      throw new HistogramError(`cannot reduce resolution from schema ${this.schema} to ${targetSchema}`);
    }
    const [positiveSpans, positiveBuckets] = reduceResolution(this.positiveSpans, this.positiveBuckets, this.schema, targetSchema);
    const [negativeSpans, negativeBuckets] = reduceResolution(this.negativeSpans, this.negativeBuckets, this.schema, targetSchema);
    this.positiveSpans = positiveSpans;
    this.positiveBuckets = positiveBuckets;
    this.negativeSpans = negativeSpans;
    this.negativeBuckets = negativeBuckets;
    this.schema = targetSchema;
  }

  /** A compensation histogram for kahanAdd: this layout (spans shared), all counts 0. */
  private newCompensationHistogram(): FloatHistogram {
    return new FloatHistogram({
      counterResetHint: this.counterResetHint,
      schema: this.schema,
      zeroThreshold: this.zeroThreshold,
      customValues: this.customValues,
      positiveBuckets: new Array<number>(this.positiveBuckets.length).fill(0),
      positiveSpans: this.positiveSpans,
      negativeSpans: this.negativeSpans,
      negativeBuckets: this.usesCustomBuckets() ? [] : new Array<number>(this.negativeBuckets.length).fill(0),
    });
  }

  private checkSchemaAndBounds(other: FloatHistogram): void {
    if (this.usesCustomBuckets() !== other.usesCustomBuckets()) throw wrapErr('incompatibleSchema');
  }

  /**
   * The hint of a sum or difference: equal hints stay, a gauge on either side wins, then
   * 'unknown'; 'reset' against 'not_reset' gives 'unknown' and reports a collision.
   */
  private adjustCounterReset(other: FloatHistogram): boolean {
    const theirs = other.counterResetHint;
    if (theirs === this.counterResetHint || this.counterResetHint === 'gauge') return false;
    if (theirs === 'gauge') {
      this.counterResetHint = 'gauge';
      return false;
    }
    if (this.counterResetHint === 'unknown') return false;
    this.counterResetHint = 'unknown';
    // Only 'reset' against 'not_reset' (either way round) is a collision.
    return theirs !== 'unknown';
  }

  /** Whether a count, the sum, a bucket or a custom bound is ±Inf (an aggregation overflowed). */
  hasOverflow(): boolean {
    const inf = (v: number): boolean => v === Infinity || v === -Infinity;
    if (inf(this.zeroCount) || inf(this.count) || inf(this.sum)) return true;
    return this.positiveBuckets.some(inf) || this.negativeBuckets.some(inf) || this.customValues.some(inf);
  }

  /**
   * The `</` (isUpperTrim: keep observations below rhs) and `>/` (keep those above) operators, in
   * place: buckets beyond rhs are emptied, the bucket containing rhs is interpolated, and count
   * and sum are re-estimated from bucket midpoints, but only if something was trimmed. Trim a
   * copy when the histogram is shared.
   */
  trimBuckets(rhs: number, isUpperTrim: boolean): this {
    let updatedCount = 0;
    let updatedSum = 0;
    let trimmedBuckets = false;
    let hasPositive = false;
    let hasNegative = false;
    const isCustomBucket = this.usesCustomBuckets();

    const trimSide = (it: BucketIterator, buckets: number[], isPositive: boolean): boolean => {
      let seen = false;
      for (let i = 0; it.advance(); i++) {
        const bucket = it.at();
        if (bucket.count === 0) continue;
        seen = true;
        const keepAll = isUpperTrim ? bucket.upper <= rhs : bucket.lower >= rhs;
        const straddles = isUpperTrim ? bucket.lower < rhs : bucket.upper > rhs;
        if (keepAll) {
          updatedCount += bucket.count;
          const bucketMidpoint = computeMidpoint(bucket.lower, bucket.upper, isPositive, isCustomBucket);
          updatedSum += bucketMidpoint * bucket.count;
        } else if (straddles) {
          const [keepCount, bucketMidpoint] = computeBucketTrim(bucket, rhs, isUpperTrim, isPositive, isCustomBucket);
          updatedCount += keepCount;
          updatedSum += bucketMidpoint * keepCount;
          if (buckets[i] !== keepCount) {
            buckets[i] = keepCount;
            trimmedBuckets = true;
          }
        } else {
          buckets[i] = 0;
          trimmedBuckets = true;
        }
      }
      return seen;
    };
    hasPositive = trimSide(this.positiveBucketIterator(), this.positiveBuckets, true);
    hasNegative = trimSide(this.negativeBucketIterator(), this.negativeBuckets, false);

    if (this.zeroCount > 0) {
      const [keepCount, bucketMidpoint] = computeZeroBucketTrim(this.zeroBucket(), rhs, hasNegative, hasPositive, isUpperTrim);
      if (this.zeroCount !== keepCount) {
        this.zeroCount = keepCount;
        trimmedBuckets = true;
      }
      updatedSum += bucketMidpoint * keepCount;
      updatedCount += keepCount;
    }

    if (trimmedBuckets) {
      this.count = updatedCount;
      this.sum = updatedSum;
      this.compact(0);
    }
    return this;
  }
}

/**
 * Go's detectReset over two same-schema iterators: a populated bucket of previous that current
 * lacks, or a lower count in current, is a reset.
 */
function detectResetBuckets(currIt: FloatBucketIterator, prevIt: FloatBucketIterator): boolean {
  if (!prevIt.advance()) return false;
  let prevCount = prevIt.currCount;
  let prevIndex = prevIt.currIdx;
  const anyPopulatedLeft = (): boolean => {
    for (;;) {
      if (prevCount !== 0) return true;
      if (!prevIt.advance()) return false;
      prevCount = prevIt.currCount;
      prevIndex = prevIt.currIdx;
    }
  };
  if (!currIt.advance()) return anyPopulatedLeft();
  let currCount = currIt.currCount;
  let currIndex = currIt.currIdx;
  for (;;) {
    while (currIndex < prevIndex) {
      if (!currIt.advance()) return anyPopulatedLeft();
      currCount = currIt.currCount;
      currIndex = currIt.currIdx;
    }
    if (currIndex > prevIndex) {
      if (prevCount !== 0) return true;
    } else if (currCount < prevCount) {
      return true;
    }
    if (!prevIt.advance()) return false;
    prevCount = prevIt.currCount;
    prevIndex = prevIt.currIdx;
  }
}

export type { FloatBucketIterator };
