// `meshguard learn` and `meshguard score`: anomaly baselines from benign traffic, and scores.
import { readFile, writeFile } from 'node:fs/promises';
import { RequestFieldError, toCheckInput } from '../authz/check-request.js';
import { CONTEXT_WORKLOAD, type CheckInput } from '../engine/request.js';
import { isAnomalyModel, learnModel, scoreWithModel, type AnomalyModel } from '../anomaly/model.js';
import type { HttpInput } from '../engine/request.js';
import { InputError, ioReason, UsageError } from './args.js';
import { LineWriter, readLines } from './io.js';
import { REQUESTS_FLAG } from './check.js';
import type { CommandSpec } from './spec.js';

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
  for await (const line of await readLines(source, '--requests')) {
    n++;
    if (line.trim() !== '') yield parseLine(line, n);
  }
}

async function learn(requestsFile: string, out: string): Promise<number> {
  const samples: { http: HttpInput; workload: string | null }[] = [];
  let bad = 0;
  for await (const r of requests(requestsFile)) {
    if (!r.ok) {
      bad++;
      process.stderr.write(`meshguard learn: ${r.error}\n`);
    } else if (r.input.http) samples.push({ http: r.input.http, workload: r.input.contextExtensions[CONTEXT_WORKLOAD] ?? null });
  }
  if (samples.length === 0) throw new UsageError('no HTTP requests to learn from');
  const model = learnModel(samples);
  try {
    await writeFile(out, JSON.stringify(model) + '\n');
  } catch (err) {
    throw new InputError(`--out ${out}: ${ioReason(err)}`);
  }
  process.stdout.write(`learned ${samples.length} requests over ${Object.keys(model.routes).length} routes → ${out} (model ${model.version})\n`);
  return bad > 0 ? 2 : 0;
}

export async function loadModel(file: string): Promise<AnomalyModel> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new InputError(`--model ${file}: ${err instanceof SyntaxError ? `not JSON: ${err.message}` : ioReason(err)}`);
  }
  if (!isAnomalyModel(value)) throw new UsageError(`${file} is not a meshguard anomaly model (made by meshguard learn)`);
  return value;
}

async function score(modelFile: string | undefined, requestsFile: string): Promise<number> {
  const model = modelFile !== undefined ? await loadModel(modelFile) : null;
  const writer = new LineWriter();
  let bad = 0;
  for await (const r of requests(requestsFile)) {
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

export const learnSpec: CommandSpec = {
  name: 'learn',
  summary: 'learn per-route anomaly baselines from benign traffic',
  description: 'Learns per-route anomaly baselines (parameter names, character classes, lengths) from benign CheckRequests and writes the model that `score` and serve use.',
  flags: [
    { ...REQUESTS_FLAG, value: 'FILE', default: undefined, required: true, help: 'benign traffic: Envoy CheckRequests, one per line (JSONL)' },
    { name: 'out', value: 'MODEL', required: true, help: 'where to write the model (JSON)' },
  ],
  run: (args) => learn(args.need('requests'), args.need('out')),
};

export const scoreSpec: CommandSpec = {
  name: 'score',
  summary: 'print the anomaly score of each request',
  description: 'Prints the anomaly score of each CheckRequest, one {"score":N,"hits":[...]} line each (signatures only without --model).',
  flags: [
    { name: 'model', value: 'FILE', help: 'a model made by `meshguard learn`' },
    REQUESTS_FLAG,
  ],
  run: (args) => score(args.string('model'), args.need('requests')),
};
