// `meshguard replay` over a whole policy: each CheckRequest runs through the filter chain of the
// workload it is meant for — the one its meshguard.io/workload context extension names (as the
// sidecar of that workload adds it), else the default workload (--workload), else the inventory
// workloads of destination.principal (inbound) or source.principal (outbound), as `check` finds
// them. Every one must allow. The filters' reason codes become the sentences `check` prints
// (engine/reasons.ts), with the facts taken from the request, so the two print equal lines.
import { toCheckInput } from '../authz/check-request.js';
import { scoreWithModel } from '../anomaly/model.js';
import { normalizePath } from '../canon/path.js';
import { dnsTunnelSuspicion } from '../engine/dns-tunnel.js';
import { hostOf, portOf } from '../engine/egress.js';
import * as R from '../engine/reasons.js';
import { CONTEXT_DIRECTION, CONTEXT_WORKLOAD, type CheckInput } from '../engine/request.js';
import { filterConfigFor } from '../filter-config/filter-config.js';
import type { CompiledPolicy, CompiledWorkload } from '../policy/compiled.js';
import { Replayer, type ReplayModules, type ReplayVerdict, type FilterVerdict } from './replay.js';

export class PolicyReplay {
  private readonly chains = new Map<string, Promise<Replayer>>();

  constructor(
    private readonly policy: CompiledPolicy,
    private readonly modules: ReplayModules,
    private readonly defaultWorkload: CompiledWorkload | null = null,
  ) {}

  private chain(w: CompiledWorkload): Promise<Replayer> {
    let r = this.chains.get(w.key);
    if (!r) this.chains.set(w.key, (r = Replayer.create(JSON.stringify(filterConfigFor(this.policy, w)), this.modules)));
    return r;
  }

  private workloads(input: CheckInput, outbound: boolean): readonly CompiledWorkload[] | null {
    const named = input.contextExtensions[CONTEXT_WORKLOAD];
    if (named !== undefined) {
      const w = this.policy.workloads.get(named);
      return w ? [w] : null;
    }
    if (this.defaultWorkload) return [this.defaultWorkload];
    const principal = outbound ? input.source.principal : input.destination.principal;
    return principal === '' ? null : this.policy.workloadsByIdentity.get(principal) ?? null;
  }

  /** One parsed CheckRequest; throws RequestFieldError for wrong types, as `check` reports them. */
  async decide(request: unknown): Promise<ReplayVerdict> {
    const input = toCheckInput(request);
    const direction = input.contextExtensions[CONTEXT_DIRECTION];
    if (direction !== undefined && direction !== 'inbound' && direction !== 'outbound') {
      return { decision: 'deny', status: 403, rule: null, reason: R.unknownDirection(CONTEXT_DIRECTION, direction) };
    }
    const outbound = direction === 'outbound';
    const targets = this.workloads(input, outbound);
    if (!targets) return { decision: 'deny', status: 403, rule: null, reason: outbound ? R.REASONS.unknownSource : R.REASONS.unknownDestination };
    let first: ReplayVerdict | null = null;
    for (const w of targets) {
      const verdict = this.explain(await (await this.chain(w)).decide(request), input, w, outbound);
      if (verdict.decision === 'deny') return verdict;
      first ??= verdict;
    }
    return first!;
  }

  /** The filters' verdict with `check`'s rule and sentence. */
  private explain(v: FilterVerdict, input: CheckInput, w: CompiledWorkload, outbound: boolean): ReplayVerdict {
    const reason = outbound ? this.egressReason(v, input, w) : this.inboundReason(v, input, w);
    return { decision: v.decision, status: v.status, rule: v.rule, reason };
  }

  private inboundReason(v: FilterVerdict, input: CheckInput, w: CompiledWorkload): string {
    const p = this.policy;
    const http = input.http;
    const path = http ? normalizePath(http.path ?? '') : null;
    switch (v.code) {
      case 'segment': return p.segments.find((s) => s.name === v.rule)?.allowReason ?? `allowed by segment ${v.rule}`;
      case 'default-allow': case 'default-deny': return R.inboundDefault(w.key, p.defaults.inbound);
      case 'blocklisted-source': return R.REASONS.blocklistedSource;
      case 'no-peer-identity': return R.REASONS.noPeerIdentity;
      case 'invalid-path': return R.badPath(path && !path.ok ? path.reason : 'rejected');
      case 'no-matching-segment': return R.noSegment(input.source.principal, http?.method ?? null, w.key, path?.ok ? path.path : null);
      case 'anomaly-score': {
        const s = http ? scoreWithModel(http, input.contextExtensions[CONTEXT_WORKLOAD] ?? null, null) : { score: 0, hits: [] };
        return R.anomalyDenied(s.score, p.anomaly.threshold, s.hits);
      }
      case 'quarantined': return `source ${input.source.principal} is quarantined`;
      default: return v.detail;
    }
  }

  private egressReason(v: FilterVerdict, input: CheckInput, w: CompiledWorkload): string {
    const p = this.policy;
    const found = hostOf(input);
    const host = typeof found === 'string' || !found.ok ? null : found;
    const port = host === null ? null : portOf(host, input);
    const name = host?.host ?? '';
    switch (v.code) {
      case 'rule': return p.egressRules.find((r) => r.name === v.rule)?.allowReason ?? `allowed by egress rule ${v.rule}`;
      case 'default-allow': case 'default-deny': return R.egressDefault(w.key, p.defaults.egress);
      case 'in-mesh': return R.inMeshHost(name);
      case 'blocklisted-destination': return R.REASONS.blocklistedDestination;
      case 'invalid-host': return typeof found === 'string' ? found : !found.ok ? R.badHost(found.reason) : typeof port === 'string' ? port : R.badHost('rejected');
      case 'dns-tunneling': return R.dnsTunnel(dnsTunnelSuspicion(name, p.dnsTunneling) ?? 'suspicious name');
      case 'port-mismatch': return typeof port === 'string' ? port : v.detail;
      case 'no-matching-rule': return R.noEgressRule(w.key, name, typeof port === 'number' ? port : null);
      case 'quarantined': return `source ${w.identity} is quarantined`;
      default: return v.detail;
    }
  }
}
