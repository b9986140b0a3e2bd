// The live view of examples/shop.yaml in headless Chromium at 1440 × 900, measured rather than
// looked at: the graph's geometry is read from the DOM (node boxes, each edge sampled along its
// path, label plates and the text drawn in them) and a screenshot is decoded to check that each
// edge is really drawn where it runs on its own. Also: the verdict table has real column widths,
// decisions made before the page opened are shown, and events carry the anomaly score and hits.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, checkClient, startServe, type CheckClient, type ServeProcess } from '../helpers/serve.js';
import { EXAMPLE_POLICY } from '../helpers/cli.js';
import { BROWSER_AVAILABLE, BROWSER_REQUIRED, CHROMIUM, noticeIfMissing, openBrowser, RESULTS, type Browser } from './helpers/browser.js';
import { decodePng, luminance } from './helpers/png.js';

const VIEWPORT = { width: 1440, height: 900 };

/** A call between two shop workloads of examples/shop.yaml, to the destination's port. */
function shopCall(from: string, to: string, port: number, method: string, path: string) {
  const principal = (name: string) => (name.includes('/') ? `spiffe://cluster.local/${name}` : `spiffe://cluster.local/ns/shop/sa/${name}`);
  return {
    attributes: {
      source: { principal: principal(from), address: { socketAddress: { address: '10.1.0.99', portValue: 40000 } } },
      destination: { principal: principal(to), address: { socketAddress: { address: '10.1.0.20', portValue: port } } },
      request: { http: { method, path, host: `${to}.shop.svc.cluster.local`, headers: { ':method': method, ':path': path } } },
      contextExtensions: { 'meshguard.io/workload': `shop/${to}` },
    },
  };
}

interface Box { left: number; top: number; right: number; bottom: number }
interface Geometry {
  viewport: number;
  container: { scrollWidth: number; clientWidth: number; box: Box };
  nodes: { id: string; box: Box; text: Box; label: string }[];
  edges: { e: number; from: string; to: string; kind: string; points: { x: number; y: number }[] }[];
  labels: { e: number; plate: Box; text: Box; lines: string[] }[];
}

/** Everything measured in the page, in CSS pixels of the viewport (what the screenshot shows). */
function measure(): Geometry {
  const box = (r: DOMRect): Box => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom });
  const svg = document.querySelector<SVGSVGElement>('#graph svg')!;
  const byIndex = new Map<string, string>();
  const nodes = [...svg.querySelectorAll<SVGGElement>('.node')].map((g) => {
    byIndex.set(g.getAttribute('data-i')!, g.getAttribute('data-id')!);
    return { id: g.getAttribute('data-id')!, box: box(g.querySelector('rect')!.getBoundingClientRect()), text: box(g.querySelector('text')!.getBoundingClientRect()), label: g.querySelector('text')!.textContent! };
  });
  const edges = [...svg.querySelectorAll<SVGPathElement>('path.edge')].map((p) => {
    const m = p.getScreenCTM()!;
    const length = p.getTotalLength();
    const points: { x: number; y: number }[] = [];
    for (let l = 0; l <= length; l += 1.5) {
      const q = p.getPointAtLength(Math.min(l, length));
      points.push({ x: m.a * q.x + m.c * q.y + m.e, y: m.b * q.x + m.d * q.y + m.f });
    }
    return { e: Number(p.getAttribute('data-e')), from: byIndex.get(p.getAttribute('data-f')!)!, to: byIndex.get(p.getAttribute('data-t')!)!, kind: p.classList.contains('egress') ? 'egress' : 'call', points };
  });
  const labels = [...svg.querySelectorAll<SVGElement>('.edge-label')].map((g) => {
    const text = g.tagName === 'text' ? g : g.querySelector('text')!;
    const tspans = [...text.querySelectorAll('tspan')];
    return {
      e: Number(g.getAttribute('data-e')), plate: box((g.querySelector('rect') ?? text).getBoundingClientRect()), text: box(text.getBoundingClientRect()),
      lines: tspans.length > 0 ? tspans.map((t) => t.textContent!) : [text.textContent!],
    };
  });
  const c = document.getElementById('graph')!;
  return { viewport: window.innerWidth, container: { scrollWidth: c.scrollWidth, clientWidth: c.clientWidth, box: box(c.getBoundingClientRect()) }, nodes, edges, labels };
}

const inside = (p: { x: number; y: number }, b: Box, shrink = 0) => p.x > b.left + shrink && p.x < b.right - shrink && p.y > b.top + shrink && p.y < b.bottom - shrink;
const overlap = (a: Box, b: Box, tolerance = 0.5) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > tolerance && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > tolerance;
const within = (a: Box, b: Box, tolerance = 1) => a.left >= b.left - tolerance && a.right <= b.right + tolerance && a.top >= b.top - tolerance && a.bottom <= b.bottom + tolerance;
function distanceToBox(p: { x: number; y: number }, b: Box): number {
  const dx = Math.max(b.left - p.x, 0, p.x - b.right);
  const dy = Math.max(b.top - p.y, 0, p.y - b.bottom);
  return Math.hypot(dx, dy);
}

describe('Chromium is there when the browser tests are required', () => {
  it.runIf(BROWSER_REQUIRED)(`${CHROMIUM} exists (MESHGUARD_REQUIRE_BROWSER=1)`, () => {
    expect(BROWSER_AVAILABLE, `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
  });
});

noticeIfMissing('graph and live view at 1440 px (test/ops/graph.browser.test.ts)');

describe.skipIf(!BROWSER_AVAILABLE)('graph and live view of examples/shop.yaml at 1440 px, in headless Chromium', () => {
  let serve: ServeProcess;
  let client: CheckClient;
  let browser: Browser;

  beforeAll(async () => {
    serve = await startServe(['--policy', EXAMPLE_POLICY, '--redis', 'none', '--xds-port', 'none']);
    client = checkClient(serve.authzPort);
    // Made before the page opens: the page must show them from the server's ring buffer.
    await check(client, shopCall('frontend', 'api', 8080, 'GET', '/api/items?page=2'));
    await check(client, shopCall('ns/evil/sa/intruder', 'payments', 8443, 'POST', '/charge'));
    await check(client, shopCall('frontend', 'api', 8080, 'GET', "/api/search?q=1' UNION SELECT password FROM users--"));
    browser = await openBrowser(VIEWPORT);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    client?.close();
    await serve?.stop();
  });

  it('shows the decisions made before it opened, with anomaly scores and hits, in columns that do not wrap letter by letter', async () => {
    const { page } = browser;
    await page.goto(`http://127.0.0.1:${serve.adminPort}/live`);
    const rows = page.locator('#verdicts tbody tr');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(3);
    // Newest first.
    expect(await rows.nth(0).textContent()).toContain('UNION SELECT');
    expect(await rows.nth(1).locator('td.v').textContent()).toBe('deny');
    expect(await rows.nth(1).textContent()).toContain('spiffe://cluster.local/ns/evil/sa/intruder');
    expect(await rows.nth(2).textContent()).toContain('/api/items?page=2');
    // shop.yaml monitors anomalies (threshold 10): the injection is flagged, allowed, and names its detector.
    const anomaly = rows.nth(0).locator('td.anomaly');
    expect(await anomaly.getAttribute('class')).toContain('flagged');
    expect(await anomaly.textContent()).toMatch(/^\d+ flagged \(monitor\)sqli/);
    expect(await rows.nth(0).getAttribute('class')).toContain('flagged');
    expect(await rows.nth(2).locator("td.anomaly").textContent()).toMatch(/^\d+$/);

    // Real column widths: every column readable, the request on one line for a short path.
    const cells = await rows.nth(2).locator('td').evaluateAll((tds) => tds.map((td) => ({ width: td.getBoundingClientRect().width, height: td.getBoundingClientRect().height, text: td.textContent })));
    expect(cells).toHaveLength(8);
    for (const c of cells) expect(c.width, `column of "${c.text}"`).toBeGreaterThanOrEqual(44);
    const request = cells[5]!;
    expect(request.width).toBeGreaterThanOrEqual(250);
    const lineHeight = await rows.nth(2).locator('td.v').evaluate((td) => td.getBoundingClientRect().height);
    expect(request.height).toBeLessThanOrEqual(lineHeight + 1);
    const table = await page.locator('#verdicts').evaluate((t) => t.getBoundingClientRect().right);
    expect(table).toBeLessThanOrEqual(VIEWPORT.width);
  }, 60_000);

  it('draws the graph with no overlapping nodes, every label whole, everything on screen and every edge visible', async () => {
    const { page } = browser;
    await page.waitForSelector('#graph svg .node[data-workload="shop/db"]', { timeout: 20_000 });
    await page.evaluate(() => window.scrollTo(0, 0));
    const g = await page.evaluate(measure);
    const shot = await page.screenshot();
    await mkdir(RESULTS, { recursive: true });
    await writeFile(join(RESULTS, 'graph-1440.png'), shot);
    const img = decodePng(shot);

    expect(g.nodes.map((n) => n.id).sort()).toEqual(['c:192.0.2.0/24', 'h:*.stripe.com', 'h:api.stripe.com', 'ns:monitoring', 'p:spiffe://cluster.local/ns/ops/sa/prober', 'w:shop/api', 'w:shop/db', 'w:shop/frontend', 'w:shop/payments']);
    // Nothing off screen at 1440 px: no horizontal scrolling, every node inside the viewport.
    expect(g.container.scrollWidth).toBeLessThanOrEqual(g.container.clientWidth + 1);
    for (const n of g.nodes) {
      expect(n.box.left, n.id).toBeGreaterThanOrEqual(0);
      expect(n.box.right, n.id).toBeLessThanOrEqual(g.viewport);
      expect(n.box.bottom, n.id).toBeLessThanOrEqual(VIEWPORT.height);
    }
    // No two node boxes overlap; each name fits its box, whole.
    for (let i = 0; i < g.nodes.length; i++) {
      for (let j = i + 1; j < g.nodes.length; j++) expect(overlap(g.nodes[i]!.box, g.nodes[j]!.box), `${g.nodes[i]!.id} overlaps ${g.nodes[j]!.id}`).toBe(false);
      expect(within(g.nodes[i]!.text, g.nodes[i]!.box), `label of ${g.nodes[i]!.id} fits its box`).toBe(true);
      expect(g.nodes[i]!.label).not.toContain('…');
    }
    // Edge labels: whole (no "…"), inside their plates, clear of every node and of each other.
    expect(g.labels.length).toBe(g.edges.length);
    const texts = g.labels.map((l) => l.lines.join(' '));
    expect(texts).toContain('GET,POST /api/* /healthz :8080,8443');
    for (const l of g.labels) {
      expect(l.lines.join(' ')).not.toContain('…');
      expect(within(l.text, l.plate), `label "${l.lines.join(' ')}" fits its plate`).toBe(true);
      for (const n of g.nodes) expect(overlap(l.plate, n.box), `label "${l.lines.join(' ')}" over ${n.id}`).toBe(false);
    }
    for (let i = 0; i < g.labels.length; i++) for (let j = i + 1; j < g.labels.length; j++) expect(overlap(g.labels[i]!.plate, g.labels[j]!.plate)).toBe(false);

    // Every edge: from its source's box to its target's, never through a node, and with a run of
    // its own (not drawn over another edge), where the screenshot shows ink.
    const edge = (from: string, to: string) => g.edges.find((e) => e.from === from && e.to === to);
    expect(edge('w:shop/frontend', 'w:shop/payments')).toBeDefined();
    expect(edge('w:shop/api', 'w:shop/db')).toBeDefined();
    expect(g.edges).toHaveLength(14);
    const near = (p: { x: number; y: number }, q: { x: number; y: number }, d: number) => Math.abs(p.x - q.x) < d && Math.abs(p.y - q.y) < d;
    for (const e of g.edges) {
      const name = `${e.from} → ${e.to}`;
      const source = g.nodes.find((n) => n.id === e.from)!.box;
      const target = g.nodes.find((n) => n.id === e.to)!.box;
      expect(distanceToBox(e.points[0]!, source), `${name} starts at its source`).toBeLessThanOrEqual(2);
      expect(distanceToBox(e.points[e.points.length - 1]!, target), `${name} ends at its target`).toBeLessThanOrEqual(2);
      for (const p of e.points.slice(2, -2)) {
        for (const n of g.nodes) expect(inside(p, n.box, 1), `${name} passes through ${n.id} at ${p.x.toFixed(0)},${p.y.toFixed(0)}`).toBe(false);
      }
      const own = e.points.filter((p) =>
        g.edges.every((o) => o === e || !o.points.some((q) => near(p, q, 3))) && g.labels.every((l) => !inside(p, l.plate, -1)) && p.x < img.width && p.y < img.height);
      expect(own.length, `${name} has a run of its own`).toBeGreaterThanOrEqual(8);
      // Drawn: some pixel next to each point is ink (dashed egress edges leave gaps).
      const inked = own.filter((p) => [-1, 0, 1].some((dx) => [-1, 0, 1].some((dy) => luminance(img, p.x + dx, p.y + dy) < 200)));
      expect(inked.length / own.length, `${name} is visible in the screenshot`).toBeGreaterThanOrEqual(e.kind === 'egress' ? 0.4 : 0.8);
    }
    expect(browser.errors, browser.errors.join('\n')).toEqual([]);
  }, 60_000);
});
