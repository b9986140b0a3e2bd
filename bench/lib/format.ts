// Printing figures: numbers with separators, fixed-width tables.
import { ratioOf, targetMet, type Figure } from './types.js';

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 2 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: digits });
}

export function formatValue(value: number, unit: string): string {
  return `${formatNumber(value)} ${unit}`.trim();
}

export function formatTarget(f: Figure): string {
  if (!f.target) return '';
  const met = targetMet(f);
  return `${f.target.op === '>=' ? '≥' : '≤'} ${formatNumber(f.target.value)} ${met ? 'met' : 'MISSED'}`;
}

export function formatRatio(f: Figure): string {
  const r = ratioOf(f);
  if (r === null || !f.baseline) return '';
  const shown = r >= 100 ? formatNumber(r) : r >= 10 ? r.toFixed(1) : r.toFixed(3);
  return `${shown}× ${f.baseline.name} (${formatNumber(f.baseline.value)})`;
}

/** A plain text table; the first row is the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  const line = (row: readonly string[]) => row.map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length)).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

export function figureRows(figures: readonly Figure[], prefix: readonly string[] = []): string[][] {
  return figures.map((f) => [...prefix, f.name, formatValue(f.value, f.unit), formatTarget(f), formatRatio(f)]);
}
