// The filters read what the control plane builds, through the readers generated from
// control-plane/filter-config/filter-config.schema.json, and the schema and those readers agree on
// what they reject (test/unit/filter-config-generated.test.ts checks the built JSON against the schema).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { filterConfigFor, perFilterConfigs } from '../../control-plane/filter-config/filter-config.js';
import { filterConfigAjv } from '../helpers/filter-config-schema.js';
import { compileYaml } from '../helpers/policy.js';
import { builtFilter } from './build.js';
import { loadHost, rejectedConfig } from './filter-env.js';

const POLICY = compileYaml(readFileSync(new URL('../../examples/shop.yaml', import.meta.url), 'utf8'), 'examples/shop.yaml');
const telemetry = { cluster: 'meshguard-telemetry', authority: 'meshguard-admin:9901', path: '/telemetry', maxBatch: 100, flushMs: 1000 };
const DEFINITION = { identity: 'IdentityFilterConfig', egress: 'EgressFilterConfig', anomaly: 'AnomalyFilterConfig' } as const;

async function configures(name: 'identity' | 'egress' | 'anomaly', config: unknown): Promise<boolean> {
  const host = await loadHost(name);
  try {
    host.createPlugin({ name, configuration: JSON.stringify(config) });
  } catch {
    return false;
  }
  return host.logs().some((l) => l.source === 'plugin' && l.message.startsWith(`meshguard ${name}: configured`));
}

// The filters are compiled once per test process (test/wasm/build.ts); on a busy machine that and
// a dozen module loads take a while: generous bounds, no speed assumed.
beforeAll(async () => {
  for (const name of ['identity', 'egress', 'anomaly']) await builtFilter(name);
}, 600_000);

describe('each filter reads its part of the configuration the control plane builds', () => {
  it('for every workload of examples/shop.yaml, with telemetry and a quarantine', async () => {
    for (const workload of POLICY.workloads.values()) {
      const parts = perFilterConfigs(filterConfigFor(POLICY, workload, null, { telemetry, quarantined: [workload.identity] }));
      for (const name of ['identity', 'egress', 'anomaly'] as const) {
        expect(await configures(name, parts[name]), `${name} for ${workload.key}`).toBe(true);
      }
    }
  }, 300_000);
});

describe('the schema and the generated readers reject the same configurations', () => {
  const workload = POLICY.workloads.values().next().value!;
  const parts = perFilterConfigs(filterConfigFor(POLICY, workload, null, { telemetry }));
  // An invalid case names the start of the one error the filter logs: the field path and why.
  const cases: [keyof typeof DEFINITION, string, object, boolean, string?][] = [
    ['identity', 'as built', parts.identity, true],
    ['identity', 'no trustDomain', { ...parts.identity, trustDomain: undefined }, false, 'trustDomain: required field is missing'],
    ['identity', 'an empty trustDomain', { ...parts.identity, trustDomain: '' }, false, 'trustDomain: must not be empty'],
    ['identity', 'selected as a string', { ...parts.identity, inbound: { ...parts.identity.inbound, selected: 'yes' } }, false, 'inbound.selected: expected a boolean'],
    ['identity', 'a segment without a name', { ...parts.identity, inbound: { ...parts.identity.inbound, segments: [{ principals: [] }] } }, false, 'inbound.segments[0].name: required field is missing'],
    ['identity', 'a port out of range', { ...parts.identity, inbound: { ...parts.identity.inbound, segments: [{ name: 's', rules: [{ ports: [70000] }] }] } }, false, 'inbound.segments[0].rules[0].ports[0]: expected an integer in 1..65535'],
    ['identity', 'a telemetry path without /', { ...parts.identity, telemetry: { ...telemetry, path: 'telemetry' } }, false, 'telemetry.path: must start with /'],
    ['identity', 'a fractional maxBatch', { ...parts.identity, telemetry: { ...telemetry, maxBatch: 1.5 } }, false, 'telemetry.maxBatch: expected an integer'],
    ['egress', 'as built', parts.egress, true],
    ['egress', 'no dnsTunneling', { ...parts.egress, egress: { ...parts.egress.egress, dnsTunneling: undefined } }, false, 'egress.dnsTunneling: required field is missing'],
    ['egress', 'dnsTunneling off without limits', { ...parts.egress, egress: { ...parts.egress.egress, dnsTunneling: { mode: 'off' } } }, true],
    ['egress', 'dnsTunneling monitor without limits', { ...parts.egress, egress: { ...parts.egress.egress, dnsTunneling: { mode: 'monitor' } } }, false, 'egress.dnsTunneling.maxLabelLength: required field is missing'],
    ['egress', 'maxEntropy over 8', { ...parts.egress, egress: { ...parts.egress.egress, dnsTunneling: { mode: 'monitor', maxLabelLength: 40, maxLabels: 10, entropyMinLength: 16, maxEntropy: 9 } } }, false, 'egress.dnsTunneling.maxEntropy: expected a number in 0..8'],
    ['egress', 'a rule without a name', { ...parts.egress, egress: { ...parts.egress.egress, rules: [{ hosts: ['a.example'] }] } }, false, 'egress.rules[0].name: required field is missing'],
    ['anomaly', 'as built', parts.anomaly, true],
    ['anomaly', 'off without a threshold', { anomaly: { mode: 'off' } }, true],
    ['anomaly', 'monitor without a threshold', { anomaly: { mode: 'monitor' } }, false, 'anomaly.threshold: required field is missing'],
    ['anomaly', 'an unknown mode', { anomaly: { mode: 'sometimes', threshold: 10 } }, false, 'anomaly.mode: expected one of off | monitor | enforce'],
    ['anomaly', 'a model without routes', { anomaly: { mode: 'monitor', threshold: 10, model: { version: 'v' } } }, false, 'anomaly.model.routes: required field is missing'],
    ['anomaly', 'a negative workload sample count', { anomaly: { mode: 'monitor', threshold: 10, model: { workloads: { 'a/b': -1 }, routes: {} } } }, false, 'anomaly.model.workloads.a/b: expected a number in 0..1000000000000000'],
    ['anomaly', 'a route count that is not whole', { workload: 'a/b', anomaly: { mode: 'monitor', threshold: 10, model: { routes: { 'a/b GET /': { mode: 'monitor', count: 1.5, params: {}, required: [], order: [] } } } } }, false, 'anomaly.model.routes["a/b GET /"].count: expected an integer'],
    ['anomaly', 'a model route', { workload: 'a/b', anomaly: { mode: 'monitor', threshold: 10, model: { routes: { 'a/b GET /': { mode: 'monitor', count: 30, params: { 'q:q': { count: 30, length: [3, 1], icd: [0.5, 0.5, 0, 0, 0, 0], classes: '0000000000000001' } }, required: [], order: [] } } } } }, true],
  ];
  it.each(cases)('%s: %s', async (name, _, config, valid, error) => {
    const validate = filterConfigAjv().getSchema(`filter-config#/definitions/${DEFINITION[name]}`)!;
    expect(validate(config), JSON.stringify(validate.errors)).toBe(valid);
    if (valid) expect(await configures(name, config)).toBe(true);
    else {
      const { errors } = await rejectedConfig(name, config);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(`meshguard ${name}: rejected plugin configuration: ${error!}`);
    }
  }, 120_000);
});
