// The policy loader's worker thread: parse, validate and compile off the thread that answers
// Checks (a slow or hostile policy edit must not stall decisions). Answers one message per request.
import { parentPort } from 'node:worker_threads';
import { compilePolicy, type CompileOrigin } from '../policy/compile.js';
import { parsePolicy } from '../policy/load.js';
import type { LoadReply, LoadRequest } from './policy-loader.js';

function load({ id, text, file }: LoadRequest): LoadReply {
  const loaded = parsePolicy(text, file);
  if (!loaded.ok) return { id, ok: false, errors: loaded.errors, warnings: loaded.warnings };
  const at = (list: 'segments' | 'egress', i: number) => loaded.source.position(['spec', list, i]);
  const origin: CompileOrigin = {
    file,
    positions: { segments: loaded.policy.spec.segments.map((_, i) => at('segments', i)), egress: loaded.policy.spec.egress.map((_, i) => at('egress', i)) },
  };
  return { id, ok: true, policy: loaded.policy, origin, warnings: loaded.warnings, compiled: compilePolicy(loaded.policy, origin) };
}

parentPort!.on('message', (request: LoadRequest) => {
  let reply: LoadReply;
  try {
    reply = load(request);
  } catch (err) {
    reply = { id: request.id, ok: false, warnings: [], errors: [{ severity: 'error', code: 'MG_ERR_POLICY_READ', message: `cannot load policy: ${(err as Error).message}`, path: [], file: request.file, line: 1, col: 1 }] };
  }
  parentPort!.postMessage(reply);
});
