// The text that signatures are searched in: percent-decoded twice (to see through double
// encoding), '+' as space, ASCII lower case, SQL inline comments and whitespace runs as one space.
// The wasm anomaly filter must build exactly the same text (shared table in test/fixtures).

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

function percentDecodeOnce(s: string): string {
  if (s.indexOf('%') === -1) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < s.length) {
      const hi = hex(s.charCodeAt(i + 1));
      const lo = hex(s.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        out += String.fromCharCode(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 11 || c === 12 || c === 13 || c === 43;
}

export function canonicalText(raw: string): string {
  const decoded = percentDecodeOnce(percentDecodeOnce(raw)).replaceAll('/**/', ' ');
  let out = '';
  let lastSpace = false;
  for (let i = 0; i < decoded.length; i++) {
    let c = decoded.charCodeAt(i);
    // CR and LF survive so that header-injection signatures can see them.
    if (isSpace(c) && c !== 10 && c !== 13) {
      if (!lastSpace) out += ' ';
      lastSpace = true;
      continue;
    }
    lastSpace = false;
    if (c >= 65 && c <= 90) c += 32;
    out += String.fromCharCode(c);
  }
  return out;
}
