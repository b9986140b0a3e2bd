// DNS-tunnelling heuristics on an egress host name: data smuggled out in DNS queries shows up
// as long labels, many labels, or labels that look random (high entropy).
import type { DnsTunneling } from '../policy/types.js';

const counts = new Uint16Array(256);

/**
 * Shannon entropy of a label, in bits per byte. The AssemblyScript twin (assembly/lib/dns_tunnel.ts)
 * does the same operations in the same order (byte values ascending, p = count / n, bits -= p ·
 * log2 p, with V8's log2), so a threshold compares the same double in every enforcer.
 */
export function labelEntropy(label: string): number {
  counts.fill(0);
  for (let i = 0; i < label.length; i++) counts[label.charCodeAt(i) & 0xff]!++;
  let bits = 0;
  for (let i = 0; i < 256; i++) {
    const n = counts[i]!;
    if (n === 0) continue;
    const p = n / label.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Why a canonical host name looks like a tunnel, or null. Scans the name without splitting it. */
export function dnsTunnelSuspicion(host: string, config: DnsTunneling): string | null {
  if (config.mode === 'off') return null;
  let labels = 1;
  for (let i = 0; i < host.length; i++) if (host.charCodeAt(i) === 46) labels++;
  if (labels > config.maxLabels) return `host has ${labels} labels (over ${config.maxLabels})`;
  let start = 0;
  for (let i = 0; i <= host.length; i++) {
    if (i < host.length && host.charCodeAt(i) !== 46) continue;
    const length = i - start;
    if (length > config.maxLabelLength) return `label of ${length} bytes (over ${config.maxLabelLength})`;
    if (length >= config.entropyMinLength) {
      const entropy = labelEntropy(host.slice(start, i));
      if (entropy > config.maxEntropy) return `label entropy ${entropy.toFixed(2)} bits/byte (over ${config.maxEntropy})`;
    }
    start = i + 1;
  }
  return null;
}
