// Conformance, local replies: the gcore/local-reply.ts module (G-Core SDK) answers from the
// request and the response side, in Envoy and in this host. See ./README.md.
import { describe, expect, it } from 'vitest';
import { ENVOY_BIN } from '../helpers/envoy.js';
import { moduleRuns } from './harness.js';

const SETUP = { module: 'local-reply', name: 'conform' };

describe.skipIf(!ENVOY_BIN)('conformance: local replies (G-Core SDK module, Envoy vs host)', () => {
  const { compare } = moduleRuns(SETUP);

  it('403 with a body and extra headers from on_request_headers', async () => {
    const { e } = await compare({ method: 'GET', path: '/deny' });
    expect(e.seen.status).toBe(403);
    expect(e.trace).toContain('  send_local_response r=0');
    expect(e.seen.body).toBe('denied by conform\n');
    expect(e.seen.headers).toEqual(expect.arrayContaining([['x-conform-reason', 'deny'], ['x-conform-second', '2']]));
  });

  it('the same with a request body still to come: no data callbacks after the reply', async () => {
    const { e } = await compare({ method: 'POST', path: '/deny', body: ['never read'] });
    expect(e.seen.status).toBe(403);
    expect(e.trace).toContain('  send_local_response r=0');
    expect(e.trace.some((l) => l.startsWith('request_body '))).toBe(false);
  });

  it('204 without a body', async () => {
    const { e } = await compare({ method: 'GET', path: '/empty' });
    expect(e.seen.status).toBe(204);
    expect(e.seen.body).toBe('');
    expect(e.trace.some((l) => l.startsWith('response_body '))).toBe(false);
  });

  it('a gRPC request answered with gRPC status 7', async () => {
    const { e } = await compare({ method: 'POST', path: '/grpc', headers: [['content-type', 'application/grpc']] });
    expect(e.seen.headers).toContainEqual(['grpc-status', '7']);
  });

  it('a gRPC reply without a gRPC status, a message with characters to percent-encode and an extra header', async () => {
    const { e } = await compare({ method: 'POST', path: '/grpc-chars', headers: [['content-type', 'application/grpc+proto']], body: ['x'] });
    expect(e.seen.headers).toContainEqual(['grpc-status', '14']);
    expect(e.seen.headers).toContainEqual(['grpc-message', '50%25 off %7E caf%C3%A9%09!']);
  });

  it("the plugin's content-type is kept, its content-length corrected", async () => {
    const { e } = await compare({ method: 'GET', path: '/typed' });
    expect(e.seen.headers).toContainEqual(['content-type', 'application/json']);
    // The client's view leaves content-length out (framing); the encoder's pairs show it: the
    // plugin's 999 became the body's length.
    expect(e.trace).toContain('  pairs r=0 n=3 :status:200,content-type:application/json,content-length:2');
    expect(e.seen.body).toBe('{}');
  });

  it('502 from on_response_headers replaces the upstream response', async () => {
    const { e } = await compare({ method: 'GET', path: '/late' });
    expect(e.seen.status).toBe(502);
    expect(e.seen.body).toBe('replaced by conform');
    expect(e.seen.headers).toContainEqual(['x-conform-late', '1']);
    expect(e.seen.headers.some(([k]) => k.startsWith('x-upstream'))).toBe(false);
  });

  it('no reply: the upstream answers', async () => {
    const { e } = await compare({ method: 'GET', path: '/pass' });
    expect(e.seen.status).toBe(200);
  });
});
