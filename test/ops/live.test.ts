import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, checkClient, httpGet, startServe, type CheckClient, type ServeProcess } from '../helpers/serve.js';
import { allowed, denied } from './helpers/requests.js';
import { nextEvent } from './helpers/sse.js';

const OVERLAP = fileURLToPath(new URL('./fixtures/overlap.yaml', import.meta.url));

interface LiveEvent { id: string; data: { path: string; seq: number; decision: string } }

/** The first `count` decision events of a stream (with their ids), then closes it. */
async function readEvents(port: number, path: string, count: number, headers: Record<string, string> = {}): Promise<LiveEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: controller.signal, headers });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const out: LiveEvent[] = [];
  let buffer = '';
  try {
    while (out.length < count) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while (out.length < count && (end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (/^event: decision$/m.test(block)) out.push({ id: /^id: (.*)$/m.exec(block)?.[1] ?? '', data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as LiveEvent['data'] });
      }
    }
    return out;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

describe('live view endpoints (admin port)', () => {
  let serve: ServeProcess;
  let client: CheckClient;
  let policyFile: string;

  beforeAll(async () => {
    policyFile = join(await mkdtemp(join(tmpdir(), 'mg-live-')), 'policy.yaml');
    await copyFile(OVERLAP, policyFile);
    serve = await startServe(['--policy', policyFile, '--redis', 'none', '--xds-port', '0']);
    client = checkClient(serve.authzPort);
  });
  afterAll(async () => {
    client?.close();
    await serve?.stop();
  });

  it('serves the page, its script and style, the graph and the workloads', async () => {
    const root = await fetch(`http://127.0.0.1:${serve.adminPort}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/live']);
    const page = await fetch(`http://127.0.0.1:${serve.adminPort}/live`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await page.text()).toContain('<script src="/live/app.js"></script>');
    expect((await httpGet(serve.adminPort, '/live/app.js')).body).toContain("new EventSource('/live/events?recent='");
    expect((await httpGet(serve.adminPort, '/live/app.css')).status).toBe(200);
    const svg = await httpGet(serve.adminPort, '/live/graph.svg');
    expect(svg.body).toMatch(/^<svg /);
    expect(svg.body).toContain('data-workload="shop/api-canary"');
    expect(JSON.parse((await httpGet(serve.adminPort, '/live/workloads')).body)).toEqual({ policy: 'overlap', version: expect.any(String), workloads: ['shop/api', 'shop/api-canary', 'shop/bare', 'shop/worker', 'staging/api'] });
  });

  it('streams each decision as a server-sent event, with server-side filters', async () => {
    const d = await nextEvent(serve.adminPort, '/live/events', () => check(client, denied('/secret?x=1')), (event, data) => {
      if (event !== 'decision') return null;
      const v = JSON.parse(data) as { path: string };
      return v.path === '/secret?x=1' ? v : null;
    });
    expect(d).toMatchObject({ decision: 'deny', status: 403, workload: 'shop/worker', source: 'spiffe://cluster.local/ns/evil/sa/intruder', method: 'GET', direction: 'inbound' });
    // ?verdict=allow filters out the denial; the allowed call gets through.
    const seen = await nextEvent(serve.adminPort, '/live/events?verdict=allow', async () => {
      await check(client, denied('/filtered-out'));
      await check(client, allowed('/ok'));
    }, (event, data) => (event === 'decision' ? (JSON.parse(data) as { path: string; decision: string }) : null));
    expect(seen).toMatchObject({ path: '/ok', decision: 'allow' });
  });

  it('keeps the last decisions: ?recent=N starts a stream with them, Last-Event-ID replays what a reconnecting page missed', async () => {
    for (const path of ['/history-1', '/history-2', '/history-3']) await check(client, denied(path));
    // No backlog unless asked: the first decision a plain stream sees is a new one.
    const plain = await nextEvent(serve.adminPort, '/live/events', () => check(client, denied('/history-new')), (event, data) => (event === 'decision' ? JSON.parse(data) as { path: string } : null));
    expect(plain.path).toBe('/history-new');
    const recent = await readEvents(serve.adminPort, '/live/events?recent=3', 3);
    expect(recent.map((e) => e.data.path)).toEqual(['/history-2', '/history-3', '/history-new']);
    const ids = recent.map((e) => e.id);
    expect(ids.every((id) => /^[0-9a-f]{8}-\d+$/.test(id))).toBe(true);
    expect(recent.map((e) => e.data.seq)).toEqual(ids.map((id) => Number(id.split('-')[1])));
    // A reconnect after /history-2: the two decisions after it, whatever ?recent says.
    const missed = await readEvents(serve.adminPort, '/live/events?recent=50', 2, { 'last-event-id': ids[0]! });
    expect(missed.map((e) => e.data.path)).toEqual(['/history-3', '/history-new']);
    // An id from another process (a restart): the last N again.
    const other = await readEvents(serve.adminPort, '/live/events?recent=1', 1, { 'last-event-id': '00000000-2' });
    expect(other.map((e) => e.data.path)).toEqual(['/history-new']);
    // The filters apply to the backlog too.
    const allowedOnly = await readEvents(serve.adminPort, '/live/events?recent=50&verdict=allow', 1);
    expect(allowedOnly.every((e) => e.data.decision === 'allow')).toBe(true);
  });

  it('audits every reload: /audit, the metric, and a `policy` event to open pages', async () => {
    const audit = JSON.parse((await httpGet(serve.adminPort, '/audit')).body) as { findings: { control: string; location: { line: number } }[]; drift: unknown };
    expect(audit.findings.map((f) => f.control)).toContain('MG-POL-001');
    expect(audit.findings.every((f) => f.location.line > 0)).toBe(true);
    expect((await httpGet(serve.adminPort, '/metrics')).body).toMatch(/meshguard_audit_findings\{control="MG-POL-001",severity="high"\} 1/);
    const text = await readFile(policyFile, 'utf8');
    const event = await nextEvent(serve.adminPort, '/live/events', () => writeFile(policyFile, text.replace('mtls: permissive', 'mtls: strict')), (e, data) => (e === 'policy' ? JSON.parse(data) as { version: string } : null), 15_000);
    expect(event.version).toMatch(/^[0-9a-f]{16}$/);
    await serve.waitForLog((l) => l.event === 'audit' && l.version === event.version);
    const metrics = (await httpGet(serve.adminPort, '/metrics')).body;
    expect(metrics).not.toMatch(/meshguard_audit_findings\{control="MG-POL-001"/);
    expect(metrics).toMatch(/meshguard_audit_findings\{control="MG-POL-004",severity="high"\} 1/);
  });

  it('an open event stream does not hold up shutdown', async () => {
    const res = await fetch(`http://127.0.0.1:${serve.adminPort}/live/events`);
    const reader = res.body!.getReader();
    await reader.read();
    client.close(); // an open gRPC session would hold up the ext_authz server's graceful shutdown instead
    const started = Date.now();
    expect(await serve.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    await reader.cancel().catch(() => undefined);
  });
});
