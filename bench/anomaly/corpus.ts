// The labelled corpus of the anomaly benchmark and tests: a JSON shop API's benign traffic (with
// hard negatives: prose with quotes, "select", "union station", "drop table lamp", markup-like
// text, URLs and paths where the API takes them) and the project's attack strings (payloads.ts)
// injected where input arrives: query values, JSON body fields, form fields, path segments,
// headers and cookies, under several encodings. Deterministic (seeded).
//
// Splits: benign `train` (the model learns from it), `dev` and `heldout` (different seeds; the
// held-out benign prose is its own list of hard negatives, HELDOUT_PROSE);
// attacks by a hash of the payload string: `dev` (tuning) and `heldout` (≈30%, measured only).
import type { HttpInput } from '../../control-plane/engine/request.js';
import { PAYLOADS, PROTOCOL, type Family } from './payloads.js';

export type Split = 'train' | 'dev' | 'heldout';

export interface LabelledRequest {
  readonly id: string;
  readonly workload: string;
  readonly http: HttpInput;
  readonly attack: Family | null;
  readonly split: Split;
}

export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** dev or heldout for an attack string: FNV-1a of the string, ≈30% held out. */
export function splitOf(payload: string): Split {
  let h = 2166136261;
  for (let i = 0; i < payload.length; i++) h = Math.imul(h ^ payload.charCodeAt(i), 16777619) >>> 0;
  return h % 10 < 3 ? 'heldout' : 'dev';
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const hex = (r: () => number, n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[int(r, 0, 15)]).join('');
const enc = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');

const WORDS = ['red', 'blue', 'shoes', 'jacket', 'running', 'winter', 'kids', 'leather', 'boots', 'summer', 'dress', "men's", "women's", 'sale', 'wool', 'black', 'size', '42', 'organic', 'cotton', 'gift', 'for', 'dad', 'café', 'naïve', 'rock & roll', '50%', 'off', 'c++', 'book', 'select', 'table', 'drop', 'order', 'script', 'alert', 'from', 'where', 'or', 'and'];
/** Hard negatives: text that looks a little like attacks and is not. */
const PROSE = [
  "I'd say it's the best jacket I've owned", 'He said "wow" when he saw it', 'Union Station pickup please', 'drop table lamp, the one with the brass base',
  "Select the size, then click 'Add to cart'", "O'Reilly's book on SQL: select, insert, update", 'rock & roll t-shirt, size L', 'Great value; would buy again!', 'Fits well (true to size)',
  '5 stars <3', 'works with a < b > c sorting?', "Tom's café; open 9-5", 'cats & dogs love it', "Don't wash above 30°C -- really", 'Where are you from? Shipping was fast', '100% cotton, 0% regret',
  'Email me at jane.doe@example.com', 'The "union" of two sets, for my maths class', 'Ordered 2, got 1 :( #fail', 'See /docs/sizing for the chart', 'Is it 1=1 or 1+1=2? kids love the counting book',
  'My dad said: "select wisely"', 'C:\\Users\\me\\Desktop photo attached', 'price $19.99 & free shipping', 'vs. the old model {v2}', "it's 'okay' or 'fine' I guess", 'Used it at the cat show; cat approved',
  'bought for my son; id card holder fits', 'sleep mask is great, sleep 8 hours now', '${price} looked wrong on the page', 'Looks like <b>bold</b> text in the description',
];
/**
 * Hard negatives of the held-out split only: the model never trains on them and tuning never looked
 * at them, so the held-out false-positive rate is measured on text the scorer has not seen.
 */
const HELDOUT_PROSE = [
  'Union Square store: is it open on Sunday?', 'Please drop the table lamp at the back door', 'select all that apply: red, blue', "We're 'delighted' with the order",
  'She asked "where from?" and I said Lyon', 'Delete my old address, please; use the new one', "the script for my daughter's play needs a red cape", 'Alert: the zipper broke after 2 days :-(',
  'insert the batteries (AA x 2) before use', 'Update: arrived today, 1 day late', 'cat & mouse toy set', 'AND/OR gate kit for kids', 'sleep well: 100% silk pillowcase',
  'ping pong paddles (set of 4)', 'echo dot stand, white', '--- best purchase this year ---', 'size 10/11; width: wide', '1/2 price? #deal', 'between 5\' 6" and 5\' 8" tall: M fits',
  'My kid typed <3 <3 in the note', '{gift wrap} please', 'color = navy || black', 'Is 2>1? my son asks', 'return label at https://shop.example/help/returns', 'C:/Photos/img_001.jpg attached',
  "grandpa's 80th; 'happy birthday' card inside", 'Java & JavaScript book bundle', 'The Matrix (1999) DVD, region 2', "Where's my order #12345?", "no onions -- just kidding, it's a jacket",
  'admin of our local club ordered these', 'null and void, the warranty says', 'Set of 3: small, medium & large', 'from 9am to 5pm; closed on holidays', 'Order by Friday for Christmas delivery',
  'Select Comfort mattress topper, queen', 'The union of art and function', 'exec chair, black leather', 'Function over form; works great', "I had to 'update' my review: still good",
  'Sleep(ing) bag, -5°C rated', 'Where 1 size fits all, this one does', "table of contents: 'Getting started', 'Care'", 'Drop-in replacement for the old filter', 'Shell jacket, waterproof (10k/10k)',
];
const CATEGORIES = ['shoes', 'outdoor', 'kids', 'home', 'garden', 'electronics', 'books', 'sports'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15', 'okhttp/4.12.0', 'python-requests/2.32.3', 'shop-mobile/3.4.1 (Android 14)'];
const NEXT = ['/account', '/orders', '/cart', '/', '/products/42', '/account/settings?tab=profile'];
const AVATARS = ['https://cdn.shop.example/a/1.png', 'https://images.example.org/u/77.jpg', 'https://gravatar.example.com/avatar/abc123?s=80'];
const DOCS = ['manual.pdf', 'sizing-guide.pdf', 'returns.html', 'warranty/en.pdf', 'care/wool.txt'];

function text(r: () => number, prose: readonly string[] = PROSE): string {
  return r() < 0.35 ? pick(r, prose) : Array.from({ length: int(r, 1, 4) }, () => pick(r, WORDS)).join(' ');
}

function headers(r: () => number, extra: Record<string, string> = {}): Record<string, string> {
  return { 'user-agent': pick(r, AGENTS), accept: pick(r, ['application/json', '*/*']), cookie: `session=${hex(r, 32)}; theme=${pick(r, ['light', 'dark'])}`, ...extra };
}

const get = (path: string, h: Record<string, string>): HttpInput => ({ method: 'GET', path, host: 'shop', scheme: 'http', headers: h, body: '' });
const post = (path: string, h: Record<string, string>, type: string, body: string): HttpInput => ({ method: 'POST', path, host: 'shop', scheme: 'http', headers: { ...h, 'content-type': type }, body });

/** A request of one API; `v` replaces the user input (an injected payload). */
type Api = (r: () => number, v?: string, prose?: readonly string[]) => { workload: string; http: HttpInput };

const APIS: readonly Api[] = [
  (r, v, p) => ({ workload: 'shop/catalog', http: get(`/api/products?category=${pick(r, CATEGORIES)}&page=${int(r, 1, 40)}&sort=${pick(r, ['price', 'name', 'rating'])}&q=${v ?? enc(text(r, p))}`, headers(r)) }),
  (r, v) => ({ workload: 'shop/catalog', http: get(`/api/products/${v ?? int(r, 1, 99999)}`, headers(r)) }),
  (r, v, p) => ({ workload: 'shop/reviews', http: post(`/api/products/${int(r, 1, 9999)}/reviews`, headers(r), 'application/json', JSON.stringify({ rating: int(r, 1, 5), title: pick(r, ['Great', 'Nice', 'Meh', 'Love it', "Didn't fit"]), text: v ?? text(r, p) })) }),
  (r, v, p) => ({ workload: 'shop/orders', http: post('/api/orders', headers(r), 'application/json', JSON.stringify({ productId: int(r, 1, 5000), quantity: int(r, 1, 5), note: v ?? (r() < 0.5 ? '' : text(r, p)), coupon: r() < 0.3 ? `SAVE${int(r, 5, 30)}` : '', address: { city: pick(r, ['Berlin', 'Lyon', "L'Aquila", 'New York']), zip: String(int(r, 10000, 99999)) } })) }),
  (r, v) => ({ workload: 'shop/auth', http: post('/login', headers(r), 'application/x-www-form-urlencoded', `username=${v ?? enc(`user${int(r, 1, 9999)}`)}&password=${enc(hex(r, int(r, 10, 16)))}`) }),
  (r, v) => ({ workload: 'shop/auth', http: get(`/login?next=${v ?? enc(pick(r, NEXT))}`, headers(r)) }),
  (r, v) => ({ workload: 'shop/users', http: get(`/api/users/${int(r, 1, 99999)}/avatar?url=${v ?? enc(pick(r, AVATARS))}`, headers(r)) }),
  (r, v) => ({ workload: 'shop/docs', http: get(`/api/docs?file=${v ?? enc(pick(r, DOCS))}&lang=${pick(r, ['en', 'de', 'fr'])}`, headers(r)) }),
  (r, v, p) => ({ workload: 'shop/search', http: get(`/search?q=${v ?? enc(text(r, p))}&lang=${pick(r, ['en', 'de', 'fr'])}`, headers(r, { referer: 'https://shop.example/' })) }),
];

export function benign(n: number, seed: number, split: Split): LabelledRequest[] {
  const r = prng(seed);
  const prose = split === 'heldout' ? HELDOUT_PROSE : PROSE;
  return Array.from({ length: n }, (_, i) => ({ id: `${split}-benign-${i}`, ...pick(r, APIS)(r, undefined, prose), attack: null, split }));
}

/** Encodings an attacker uses to slip past matching; applied to the payload as placed in a URL. */
const ENCODINGS: readonly ((p: string, r: () => number) => string)[] = [
  (p) => enc(p),
  (p) => encodeURIComponent(encodeURIComponent(p)),
  (p, r) => enc(p.split('').map((c) => (/[a-z]/i.test(c) && r() < 0.5 ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c)).join('')),
  (p) => enc(p).replace(/\+/g, '%09'),
  (p) => enc(p).replace(/\+/g, '/**/'),
  (p) => p.replace(/[<>'"()\s]/g, (c) => `%u00${c.charCodeAt(0).toString(16).padStart(2, '0')}`),
];

/** Places `payload` into a request; returns null when that place does not suit the family. */
function inject(r: () => number, family: Family, payload: string): { workload: string; http: HttpInput } {
  const where = r();
  if (family === 'jndi' && where < 0.4) {
    const base = pick(r, APIS)(r);
    return { ...base, http: { ...base.http, headers: { ...base.http.headers, [pick(r, ['user-agent', 'x-api-version', 'referer'])]: payload } } };
  }
  if (where < 0.1) {
    const base = pick(r, APIS)(r);
    const cookie = `${base.http.headers.cookie}; prefs=${encodeURIComponent(payload)}`;
    return { ...base, http: { ...base.http, headers: { ...base.http.headers, cookie } } };
  }
  const api = r() < 0.35 ? pick(r, [2, 3]) : pick(r, [0, 1, 4, 5, 6, 7, 8]);
  if (api === 2 || api === 3) return APIS[api]!(r, payload);
  const encodings = family === 'sqli' ? ENCODINGS : ENCODINGS.filter((_, i) => i !== 4);
  return APIS[api]!(r, pick(r, encodings)(payload, r));
}

export function attacks(perPayload: number, seed: number): LabelledRequest[] {
  const r = prng(seed);
  const out: LabelledRequest[] = [];
  for (const [family, list] of Object.entries(PAYLOADS) as [Family, readonly string[]][]) {
    list.forEach((payload, k) => {
      for (let i = 0; i < perPayload; i++) out.push({ id: `${family}-${k}-${i}`, ...inject(r, family, payload), attack: family, split: splitOf(payload) });
    });
  }
  PROTOCOL.forEach((set, k) => {
    for (let i = 0; i < perPayload; i++) {
      const base = pick(r, APIS)(r);
      const headersOf = { ...base.http.headers, ...Object.fromEntries(set) };
      out.push({ id: `protocol-${k}-${i}`, ...base, http: { ...base.http, headers: headersOf }, attack: 'protocol', split: splitOf(JSON.stringify(set)) });
    }
  });
  return out;
}

/** The benchmark's corpus: training traffic, and the dev and held-out evaluation sets. */
export function anomalyCorpus(): { train: LabelledRequest[]; dev: LabelledRequest[]; heldout: LabelledRequest[] } {
  const all = attacks(4, 11);
  return {
    train: benign(4000, 3, 'train'),
    dev: [...benign(3000, 5, 'dev'), ...all.filter((a) => a.split === 'dev')],
    heldout: [...benign(3000, 9, 'heldout'), ...all.filter((a) => a.split === 'heldout')],
  };
}
