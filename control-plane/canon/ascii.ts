// ASCII-only case folding. String.prototype.toLowerCase folds Unicode too (the Kelvin sign
// U+212A becomes "k"), which would let look-alike names pass as ASCII ones.

export function asciiLower(s: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      out += s.slice(start, i) + String.fromCharCode(c + 32);
      start = i + 1;
    }
  }
  return start === 0 ? s : out + s.slice(start);
}
