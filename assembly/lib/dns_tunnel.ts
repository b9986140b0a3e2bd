// DNS-tunnelling heuristics on a canonical host name: a label longer than maxLabelLength,
// more than maxLabels labels, or a label of at least entropyMinLength bytes whose Shannon
// entropy (bits per byte, log2) exceeds maxEntropy.
import { ByteBuf } from "../sdk/bytes";
import { log2Js } from "./log2";

export class DnsTunnelLimits {
  maxLabelLength: i32 = 63;
  maxLabels: i32 = 127;
  entropyMinLength: i32 = 16;
  maxEntropy: f64 = 8;
}

export enum DnsFinding {
  None = 0,
  LongLabel = 1,
  ManyLabels = 2,
  HighEntropy = 3,
}

const counts = new StaticArray<i32>(256);

/**
 * Shannon entropy in bits per byte of [from, to), computed exactly as control-plane/engine/dns-tunnel.ts
 * labelEntropy: byte values in ascending order, p = count / n, entropy -= p * log2(p), with V8's
 * log2 (log2Js) — the same operations in the same order, so both give the same double.
 */
export function labelEntropy(src: usize, from: i32, to: i32): f64 {
  const n = to - from;
  if (n <= 0) return 0;
  for (let i = from; i < to; i++) {
    const b = <i32>load<u8>(src + <usize>i);
    unchecked(counts[b] = counts[b] + 1);
  }
  let entropy: f64 = 0;
  for (let b = 0; b < 256; b++) {
    const count = unchecked(counts[b]);
    if (count == 0) continue;
    const p = <f64>count / <f64>n;
    entropy -= p * log2Js(p);
    unchecked(counts[b] = 0);
  }
  return entropy;
}

export function dnsTunnelFinding(host: ByteBuf, limits: DnsTunnelLimits): DnsFinding {
  let labels = 0;
  let start = 0;
  for (let i = 0; i <= host.length; i++) {
    if (i < host.length && host.at(i) != 46) continue;
    const length = i - start;
    labels++;
    if (length > limits.maxLabelLength) return DnsFinding.LongLabel;
    if (length >= limits.entropyMinLength && labelEntropy(host.ptr, start, i) > limits.maxEntropy) {
      return DnsFinding.HighEntropy;
    }
    start = i + 1;
  }
  return labels > limits.maxLabels ? DnsFinding.ManyLabels : DnsFinding.None;
}

export function dnsFindingText(finding: DnsFinding): string {
  switch (finding) {
    case DnsFinding.LongLabel: return "label longer than maxLabelLength";
    case DnsFinding.ManyLabels: return "more labels than maxLabels";
    case DnsFinding.HighEntropy: return "high-entropy label";
    default: return "none";
  }
}
