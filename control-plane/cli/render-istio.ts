// `meshguard render istio --policy FILE --out DIR`: Istio install manifests for the policy.
import { readFile } from 'node:fs/promises';
import { renderIstio } from '../istio/render.js';
import { DEFAULT_RENDER_OPTIONS, type IstioRenderOptions } from '../istio/types.js';
import { writeBundle } from '../istio/write.js';
import { parse, required, UsageError } from './args.js';
import { loadForRender } from './render.js';

const DIGEST_IMAGE = /@sha256:[a-f0-9]{64}$/;

function options(values: Record<string, string | boolean | undefined>, policyText: string): IstioRenderOptions {
  const d = DEFAULT_RENDER_OPTIONS;
  const image = typeof values.image === 'string' ? values.image : d.image;
  if (!DIGEST_IMAGE.test(image)) throw new UsageError('--image must be pinned by digest: REPOSITORY@sha256:<64 hex>');
  const replicas = values.replicas === undefined ? d.replicas : Number(values.replicas);
  if (!Number.isInteger(replicas) || replicas < 1) throw new UsageError('--replicas must be a positive integer');
  return {
    namespace: typeof values.namespace === 'string' ? values.namespace : d.namespace,
    image,
    wasmBaseUrl: typeof values['wasm-base-url'] === 'string' ? values['wasm-base-url'] : d.wasmBaseUrl,
    wasmDir: typeof values['wasm-dir'] === 'string' ? values['wasm-dir'] : d.wasmDir,
    replicas,
    kubernetesInventory: values.kubernetes === true,
    policyText,
  };
}

export async function renderIstioCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    policy: { type: 'string' }, out: { type: 'string' }, namespace: { type: 'string' }, image: { type: 'string' },
    'wasm-base-url': { type: 'string' }, 'wasm-dir': { type: 'string' }, replicas: { type: 'string' }, kubernetes: { type: 'boolean' },
  });
  const file = required(values, 'policy');
  const out = required(values, 'out');
  const policy = await loadForRender(file);
  if (!policy) return 1;
  const o = options(values, await readFile(file, 'utf8'));
  const bundle = renderIstio(policy, o);
  const written = await writeBundle(bundle, out);
  const count = bundle.files.reduce((n, f) => n + f.objects.length, 0);
  process.stdout.write(`${written.join('\n')}\n${count} objects for ${policy.workloads.size} workloads\n`);
  const notes = [...bundle.notes];
  if (o.image === DEFAULT_RENDER_OPTIONS.image) notes.unshift(`the image ${o.image} is a placeholder digest: pass --image REPOSITORY@sha256:<digest of the meshguard image you deploy>`);
  if (o.wasmBaseUrl === DEFAULT_RENDER_OPTIONS.wasmBaseUrl) notes.unshift(`the wasm modules' URL ${o.wasmBaseUrl} is a placeholder: publish build/wasm/*.wasm and pass --wasm-base-url`);
  for (const n of notes) process.stderr.write(`note: ${n}\n`);
  return 0;
}
