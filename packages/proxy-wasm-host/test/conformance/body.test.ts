// Conformance, bodies: the gcore/body.ts module (G-Core SDK) buffers, reads and rewrites request
// and response bodies, in Envoy and in this host. See ./README.md.
import { describe, expect, it } from 'vitest';
import { ENVOY_BIN } from '../helpers/envoy.js';
import { moduleRuns } from './harness.js';

const SETUP = { module: 'body', name: 'conform' };

/** Chunk i+1 goes out once Envoy's trace shows the data callback for chunk i. */
const afterChunk = (trace: readonly string[], sent: number) => trace.filter((l) => l.startsWith('request_body ')).length >= sent;

describe.skipIf(!ENVOY_BIN)('conformance: bodies (G-Core SDK module, Envoy vs host)', () => {
  const { compare } = moduleRuns(SETUP);

  it('a content-length body, buffered and rewritten both ways', async () => {
    const { e } = await compare({ method: 'POST', path: '/b', body: ['hello body'] });
    // The data, then an empty end of stream, on each side.
    expect(e.trace.filter((l) => l.startsWith('request_body '))).toEqual([expect.stringMatching(/ size=10 eos=0$/), expect.stringMatching(/ size=10 eos=1$/)]);
    expect(e.trace.filter((l) => l.startsWith('response_body '))).toHaveLength(2);
    expect(e.trace).toContain("  all r=0 '<hello body>'");
    expect(e.trace).toContainEqual(expect.stringMatching(/^ {2}upstream saw r=0 '.*"body":"<hello body>"}'$/));
    expect(e.seen.body).toMatch(/^rewritten:\d+$/);
  });

  it('a chunked body in three chunks, buffered: every data callback sees the whole buffer so far', async () => {
    const { e } = await compare({ method: 'POST', path: '/chunks', body: ['abc', 'defg', 'hi'], afterChunk });
    expect(e.trace.filter((l) => l.startsWith('request_body '))).toEqual([
      expect.stringMatching(/ size=3 eos=0$/), expect.stringMatching(/ size=7 eos=0$/), expect.stringMatching(/ size=9 eos=0$/), expect.stringMatching(/ size=9 eos=1$/),
    ]);
    expect(e.trace.filter((l) => l.startsWith('  all r=0 '))).toEqual(["  all r=0 'abc'", "  all r=0 'abcdefg'", "  all r=0 'abcdefghi'", "  all r=0 'abcdefghi'", "  all r=0 '<abcdefghi>'", expect.stringMatching(/^ {2}all r=0 'rewritten:\d+'$/)]);
    expect(e.trace).toContainEqual(expect.stringMatching(/^ {2}upstream saw r=0 '.*"body":"<abcdefghi>"}'$/));
  });

  it('a chunked body passed through chunk by chunk (Continue), first byte of each rewritten', async () => {
    const { e } = await compare({ method: 'POST', path: '/stream', headers: [['x-conform-body', 'stream']], body: ['abc', 'defg', 'hi'], afterChunk });
    expect(e.trace.filter((l) => l.startsWith('request_body '))).toEqual([
      expect.stringMatching(/ size=3 eos=0$/), expect.stringMatching(/ size=4 eos=0$/), expect.stringMatching(/ size=2 eos=0$/), expect.stringMatching(/ size=0 eos=1$/),
    ]);
    expect(e.trace).toContainEqual(expect.stringMatching(/^ {2}upstream saw r=0 '.*"body":"#bc#efg#i"}'$/));
  });

  it('no body: no data callbacks on the request side', async () => {
    const { e } = await compare({ method: 'GET', path: '/none' });
    expect(e.trace.some((l) => l.startsWith('request_body '))).toBe(false);
  });
});
