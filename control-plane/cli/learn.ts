// `meshguard learn` and `meshguard score`: anomaly baselines from benign traffic, and scores.
import { readFile, writeFile } from 'node:fs/promises';
import { RequestFieldError, toCheckInput } from '../authz/check-request.js';
import { CONTEXT_WORKLOAD, type CheckInput } from '../engine/request.js';
import { isAnomalyModel, learnModel, scoreWithModel, type AnomalyModel } from '../anomaly/model.js';
import type { HttpInput } from '../engine/request.js';
import { parse, required, UsageError } from './args.js';
import { LineWriter, readLines } from './io.js';

type Parsed = { ok: true; input: CheckInput } | { ok: false; error: string };

function parseLine(line: string, n: number): Parsed {
  try {
    return { ok: true, input: toCheckInput(JSON.parse(line)) };
  } catch (err) {
    if (err instanceof SyntaxError) return { ok: false, error: `line ${n}: invalid JSON: ${err.message}` };
    if (err instanceof RequestFieldError) return { ok: false, error: `line ${n}: ${err.message}` };
    throw err;
  }
}

async function* requests(source: string): AsyncGenerator<Parsed> {
  let n = 0;
  for await (const line of readLines(source)) {
    n++;
    if (line.trim() !== '') yield parseLine(line, n);
  }
}

export async function learnCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { requests: { type: 'string' }, out: { type: 'string' } });
  const out = required(values, 'out');
  const samples: { http: HttpInput; workload: string | null }[] = [];
  let bad = 0;
  for await (const r of requests(required(values, 'requests'))) {
    if (!r.ok) {
      bad++;
      process.stderr.write(`meshguard learn: ${r.error}\n`);
    } else if (r.input.http) samples.push({ http: r.input.http, workload: r.input.contextExtensions[CONTEXT_WORKLOAD] ?? null });
  }
  if (samples.length === 0) throw new UsageError('no HTTP requests to learn from');
  const model = learnModel(samples);
  await writeFile(out, JSON.stringify(model) + '\n');
  process.stdout.write(`learned ${samples.length} requests over ${Object.keys(model.routes).length} routes → ${out} (model ${model.version})\n`);
  return bad > 0 ? 2 : 0;
}

export async function loadModel(file: string): Promise<AnomalyModel> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read model ${file}: ${(err as Error).message}`);
  }
  if (!isAnomalyModel(value)) throw new UsageError(`${file} is not a meshguard anomaly model (made by meshguard learn)`);
  return value;
}

export async function scoreCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { model: { type: 'string' }, requests: { type: 'string', default: '-' } });
  const model = typeof values.model === 'string' ? await loadModel(values.model) : null;
  const writer = new LineWriter();
  let bad = 0;
  for await (const r of requests(values.requests as string)) {
    if (!r.ok) {
      bad++;
      await writer.line(JSON.stringify({ error: r.error }));
      continue;
    }
    const http = r.input.http;
    const scored = http ? scoreWithModel(http, r.input.contextExtensions[CONTEXT_WORKLOAD] ?? null, model) : { score: 0, hits: [] };
    await writer.line(JSON.stringify({ score: scored.score, hits: scored.hits }));
  }
  await writer.flush();
  return bad > 0 ? 2 : 0;
}
