// Small statistics for runs on a noisy machine: median and spread (min–max) of per-run values.
export const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** { median, min, max, n, values } of the finite values. */
export function spread(xs, digits = 3) {
  const v = xs.filter((x) => Number.isFinite(x));
  const r = (x) => (x === null ? null : +x.toFixed(digits));
  return { median: r(median(v)), min: v.length ? r(Math.min(...v)) : null, max: v.length ? r(Math.max(...v)) : null, n: v.length, values: v.map(r) };
}

export const sum = (xs) => xs.reduce((a, x) => a + (Number.isFinite(x) ? x : 0), 0);

/** '1.02 (0.97–1.10, n=3)' */
export function fmt(s, unit = '', digits = 2) {
  if (!s || s.median === null) return 'n/a';
  const f = (x) => `${+x.toFixed(digits)}`;
  return s.n > 1 ? `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)}, n=${s.n})` : `${f(s.median)}${unit} (n=1)`;
}

// Two-sided 95% Student's t quantiles by degrees of freedom 1..30; beyond, the normal value.
export const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** Mean of `xs` with its 95% t interval: { mean, ci95: [lo, hi] | null (n < 2), sd, cv (sd / mean), n }. */
export function meanCi(xs) {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  const half = (T95[n - 2] ?? 1.96) * (sd / Math.sqrt(n));
  return { mean, ci95: Number.isFinite(half) ? [mean - half, mean + half] : null, sd, cv: sd / mean, n };
}

/**
 * Median of `xs` with its distribution-free 95% interval (the sign test's: order statistics k and n+1-k, k the
 * largest with P(Binomial(n, 1/2) < k) ≤ 2.5%): { median, ci95: [lo, hi] | null (n < 6), n }. A few outliers (a
 * window that holds a major GC) move it by at most one rank, where they widen a t interval.
 */
export function medianCi(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  let k = 0; let cdf = 0; let c = 1; // c = C(n, i)
  for (let i = 0; i < n; i++) {
    cdf += c / 2 ** n; // P(B ≤ i)
    if (cdf > 0.025) break;
    k = i + 1;
    c = (c * (n - i)) / (i + 1);
  }
  return { median: median(s), ci95: k >= 1 ? [s[k - 1], s[n - k]] : null, n };
}
