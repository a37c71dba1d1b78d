/** Number formatting for decision reasons: short, stable, human. */

/** A Bayes factor or mSPRT statistic: 3 significant digits, exponent form past a million. */
export function formatFactor(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '0';
  if (x >= 1e6) return x.toExponential(1).replace('e+', 'e');
  if (x >= 100) return Math.round(x).toString();
  return Number(x.toPrecision(3)).toString();
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'n/a';
  const p = fraction * 100;
  return `${p >= 10 ? p.toFixed(1) : p.toFixed(p >= 1 ? 1 : 2)}%`;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  const a = Math.abs(ms);
  return `${a >= 100 ? Math.round(ms).toString() : Number(ms.toPrecision(2)).toString()} ms`;
}

export function formatRatio(r: number): string {
  return Number.isFinite(r) ? `${Number(r.toPrecision(3)).toString()}×` : 'n/a';
}

/** exp(log x), kept finite so evidence stays valid JSON. */
export function finiteExp(logX: number): number {
  return Math.min(Number.MAX_VALUE, Math.exp(logX));
}
