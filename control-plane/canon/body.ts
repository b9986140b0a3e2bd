// The one request-body rule every enforcer follows (docs/decisions.md "Bodies"): a body is bytes
// (`rawBody`'s, or the UTF-8 of a text `body`); only its first MAX_BODY_BYTES bytes are read, and
// they are decoded as WHATWG UTF-8, each malformed sequence (a sequence the cap cuts included)
// becoming one U+FFFD, a leading BOM kept. HttpInput.body holds that text. The AssemblyScript
// twin is assembly/lib/body.ts; both are held to test/fixtures/bodies.json.

/** How much of a body is read: a scorer that reads unbounded bodies is a DoS lever. */
export const MAX_BODY_BYTES = 16 * 1024;

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const SURROGATE = /[\uD800-\uDFFF]/;

/** The body text of a body's bytes. */
export function bodyText(bytes: Uint8Array): string {
  return decoder.decode(bytes.length > MAX_BODY_BYTES ? bytes.subarray(0, MAX_BODY_BYTES) : bytes);
}

/** The body text of a text body (sent as its UTF-8 bytes; a lone surrogate is U+FFFD there). */
export function bodyTextOf(text: string): string {
  // At most 3 bytes per UTF-16 unit and no surrogates: the bytes fit, and decode back to `text`.
  if (text.length * 3 <= MAX_BODY_BYTES && !SURROGATE.test(text)) return text;
  return bodyText(Buffer.from(text, 'utf8'));
}
