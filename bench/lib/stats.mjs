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
