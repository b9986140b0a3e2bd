// `meshguard render istio --policy FILE --out DIR`: Istio install manifests for the policy.
import { renderIstio } from '../istio/render.js';
import { DEFAULT_RENDER_OPTIONS, type IstioRenderOptions } from '../istio/types.js';
import { writeBundle } from '../istio/write.js';
import { InputError, ioReason, UsageError } from './args.js';
import { POLICY_FLAG } from './check.js';
import { readText } from './io.js';
import { loadPolicyForCommand } from './policy.js';
import type { CommandSpec, ParsedArgs } from './spec.js';

const DIGEST_IMAGE = /@sha256:[a-f0-9]{64}$/;

function options(args: ParsedArgs, policyText: string): IstioRenderOptions {
  const image = args.need('image');
  if (!DIGEST_IMAGE.test(image)) throw new UsageError('--image must be pinned by digest: REPOSITORY@sha256:<64 hex>');
  const replicas = Number(args.need('replicas'));
  if (!Number.isInteger(replicas) || replicas < 1) throw new UsageError('--replicas must be a positive integer');
  return {
    namespace: args.need('namespace'),
    image,
    wasmBaseUrl: args.need('wasm-base-url'),
    wasmDir: args.need('wasm-dir'),
    replicas,
    kubernetesInventory: args.flag('kubernetes'),
    policyText,
  };
}

export const command: CommandSpec = {
  name: 'render istio',
  summary: 'write Istio install manifests for the policy',
  description: 'Writes the Istio install manifests for the policy: the control plane (Deployment, Service, ConfigMap, RBAC), WasmPlugins for the three filters, the ext_authz extension provider and AuthorizationPolicy (CUSTOM), PeerAuthentication, egress objects.',
  flags: [
    POLICY_FLAG,
    { name: 'out', value: 'DIR', required: true, help: 'the directory to write the YAML files into (created if needed)' },
    { name: 'namespace', value: 'NS', default: DEFAULT_RENDER_OPTIONS.namespace, help: "meshguard's own namespace" },
    { name: 'image', value: 'REPO@sha256:DIGEST', default: DEFAULT_RENDER_OPTIONS.image, help: 'the meshguard image, pinned by digest (the default is a placeholder)' },
    { name: 'wasm-base-url', value: 'URL', default: DEFAULT_RENDER_OPTIONS.wasmBaseUrl, help: 'where the published identity.wasm, egress.wasm and anomaly.wasm are (the default is a placeholder)' },
    { name: 'wasm-dir', value: 'DIR', default: DEFAULT_RENDER_OPTIONS.wasmDir, help: "the built filters whose .sha256 files pin the WasmPlugins (default: the package's build/wasm)" },
    { name: 'replicas', value: 'N', default: String(DEFAULT_RENDER_OPTIONS.replicas), help: 'control-plane replicas' },
    { name: 'kubernetes', help: 'the control plane reads the inventory from the Kubernetes API (serve --kubernetes), with the RBAC for it' },
  ],
  async run(args) {
    const file = args.need('policy');
    const out = args.need('out');
    const loaded = await loadPolicyForCommand(file);
    if (!loaded.ok) return loaded.status;
    const policy = loaded.compiled;
    const o = options(args, await readText(file, '--policy'));
    const bundle = renderIstio(policy, o);
    let written: string[];
    try {
      written = await writeBundle(bundle, out);
    } catch (err) {
      throw new InputError(`--out ${out}: ${ioReason(err)}`);
    }
    const count = bundle.files.reduce((n, f) => n + f.objects.length, 0);
    process.stdout.write(`${written.join('\n')}\n${count} objects for ${policy.workloads.size} workloads\n`);
    const notes = [...bundle.notes];
    if (o.image === DEFAULT_RENDER_OPTIONS.image) notes.unshift(`the image ${o.image} is a placeholder digest: pass --image REPOSITORY@sha256:<digest of the meshguard image you deploy>`);
    if (o.wasmBaseUrl === DEFAULT_RENDER_OPTIONS.wasmBaseUrl) notes.unshift(`the wasm modules' URL ${o.wasmBaseUrl} is a placeholder: publish build/wasm/*.wasm and pass --wasm-base-url`);
    for (const n of notes) process.stderr.write(`note: ${n}\n`);
    return 0;
  },
};
