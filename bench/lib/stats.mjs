/** Small statistics for benchmark samples: medians, ratios, a least-squares line. */

/** The median of a non-empty list (mean of the middle two for an even count). */
export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function min(xs) {
  return xs.length ? Math.min(...xs) : NaN;
}

export function max(xs) {
  return xs.length ? Math.max(...xs) : NaN;
}

/** Summary of samples: median, min, max, n. */
export function summarize(xs) {
  return { median: median(xs), min: min(xs), max: max(xs), n: xs.length, samples: xs };
}

/** Least squares y = a + b x, with R^2; null under two distinct x. */
export function linearFit(points) {
  const n = points.length;
  if (n < 2) return null;
  let sx = 0, sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n, my = sy / n;
  let sxx = 0, sxy = 0, syy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { intercept, slope, r2 };
}

/** Fixed-point formatting that keeps NaN/undefined readable in tables. */
export function fmt(x, digits = 0) {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}
