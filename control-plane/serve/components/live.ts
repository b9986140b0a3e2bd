// The live view on the admin port: /live (the page), /live/app.js, /live/app.css,
// /live/graph.svg (the segmentation graph of the policy in force), /live/workloads and
// /live/events (server-sent decisions from the DecisionBus, the last HISTORY of them kept for pages
// that open later or reconnect). Audit findings come from /audit.
import { send, sendJson } from '../admin/server.js';
import { buildGraph } from '../../graph/model.js';
import { toSvg } from '../../graph/svg.js';
import type { CompiledPolicy } from '../../policy/compiled.js';
import type { Component, ServeContext } from '../component.js';
import type { DecisionEvent } from '../decision-bus.js';
import { DecisionRing, LiveStreams, toLiveDecision, type SseOptions } from '../admin/live/events.js';
import { LIVE_CSS, LIVE_HTML, LIVE_JS } from '../admin/live/page.js';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/** Decisions kept for a page that opens (`/live/events?recent=N`) or reconnects. */
export const HISTORY = 200;

export function liveViewComponent(options?: SseOptions, history = HISTORY): Component {
  return {
    name: 'live',
    async start(ctx: ServeContext) {
      const streams = new LiveStreams(options);
      const ring = new DecisionRing(history);
      // One drawing per policy version, shared by concurrent requests.
      let svg: { version: string; text: Promise<string> } | null = null;
      const graphOf = (policy: CompiledPolicy) => {
        if (svg?.version !== policy.version) {
          const drawing = { version: policy.version, text: toSvg(buildGraph(policy)) };
          drawing.text.catch(() => { if (svg === drawing) svg = null; });
          svg = drawing;
        }
        return svg.text;
      };
      // The admin port's root is the live view (serve --help says so; a browser opened on the port lands there).
      ctx.admin.get('/', (_req, res) => {
        res.writeHead(302, { location: '/live', 'cache-control': 'no-store' });
        res.end();
      });
      ctx.admin.get('/live', (_req, res) => {
        res.setHeader('content-security-policy', CSP);
        send(res, 200, 'text/html; charset=utf-8', LIVE_HTML);
      });
      ctx.admin.get('/live/app.js', (_req, res) => send(res, 200, 'text/javascript; charset=utf-8', LIVE_JS));
      ctx.admin.get('/live/app.css', (_req, res) => send(res, 200, 'text/css; charset=utf-8', LIVE_CSS));
      ctx.admin.get('/live/graph.svg', async (_req, res) => send(res, 200, 'image/svg+xml; charset=utf-8', await graphOf(ctx.policies.current)));
      ctx.admin.get('/live/workloads', (_req, res) => {
        const p = ctx.policies.current;
        sendJson(res, 200, { policy: p.name, version: p.version, workloads: [...p.workloads.keys()].sort() });
      });
      ctx.admin.get('/live/events', (req, res, url) => streams.open(req, res, url, (after, limit) => ring.since(after, limit, ctx.policies.current)));
      const onDecision = (e: DecisionEvent) => {
        const seq = ring.push(e);
        if (streams.size > 0) streams.decision(toLiveDecision(e, ctx.policies.current, seq));
      };
      ctx.decisions.on('decision', onDecision);
      const unsubscribe = ctx.policies.subscribe((p) => streams.broadcast('policy', { name: p.name, version: p.version }));
      ctx.status.set('live', () => ({ clients: streams.size, decisions: ring.last, history: ring.capacity }));
      return {
        async close() {
          ctx.decisions.off('decision', onDecision);
          unsubscribe();
          streams.close();
        },
      };
    },
  };
}
