// The policy's JSON Schema and the translation of ajv's errors into field paths and messages.
import { Ajv, type ErrorObject } from 'ajv';

const name = { type: 'string', minLength: 1, maxLength: 253 } as const;
const stringList = { type: 'array', items: { type: 'string' } } as const;
const port = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const ports = { type: 'array', items: port } as const;
const labels = { type: 'object', additionalProperties: { type: 'string' } } as const;
const verdict = { enum: ['allow', 'deny'] } as const;
const mode = { enum: ['off', 'monitor', 'enforce'] } as const;
const duration = { type: 'string' } as const;

const selectorProperties = {
  namespace: name,
  matchLabels: labels,
  matchExpressions: {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['key', 'operator'],
      properties: { key: name, operator: { type: 'string' }, values: stringList },
    },
  },
} as const;

const selector = { type: 'object', additionalProperties: false, properties: selectorProperties } as const;

export const policySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'meshguard.io/v1alpha1' },
    kind: { const: 'MeshPolicy' },
    metadata: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name, namespace: name, labels, annotations: labels },
    },
    spec: {
      type: 'object',
      additionalProperties: false,
      properties: {
        trustDomain: name,
        defaults: {
          type: 'object',
          additionalProperties: false,
          properties: { inbound: verdict, egress: verdict, mtls: { enum: ['strict', 'permissive'] } },
        },
        meshDomains: stringList,
        workloads: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'namespace'],
            properties: { name, namespace: name, serviceAccount: name, labels, ports, endpoints: stringList },
          },
        },
        segments: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'to', 'from'],
            properties: {
              name,
              to: selector,
              from: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  properties: { ...selectorProperties, principals: stringList },
                },
              },
              rules: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  properties: { methods: { ...stringList, minItems: 1 }, paths: { ...stringList, minItems: 1 }, ports: { ...ports, minItems: 1 } },
                },
              },
              rateLimit: {
                type: 'object',
                additionalProperties: false,
                required: ['requestsPerSecond'],
                properties: {
                  requestsPerSecond: { type: 'number', exclusiveMinimum: 0 },
                  burst: { type: 'integer', exclusiveMinimum: 0 },
                },
              },
            },
          },
        },
        egress: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'from'],
            properties: { name, from: selector, hosts: stringList, cidrs: stringList, ports },
          },
        },
        blocklist: { type: 'object', additionalProperties: false, properties: { cidrs: stringList } },
        anomaly: {
          type: 'object',
          additionalProperties: false,
          properties: {
            mode,
            threshold: { type: 'number', exclusiveMinimum: 0 },
            learning: {
              type: 'object',
              additionalProperties: false,
              properties: {
                minRequests: { type: 'integer', minimum: 1 },
                monitorFor: duration,
                maxAlertRatio: { type: 'number', minimum: 0, maximum: 1 },
              },
            },
          },
        },
        dnsTunneling: {
          type: 'object',
          additionalProperties: false,
          properties: {
            mode,
            maxLabelLength: { type: 'integer', minimum: 1, maximum: 63 },
            maxLabels: { type: 'integer', minimum: 1, maximum: 127 },
            entropyMinLength: { type: 'integer', minimum: 1, maximum: 63 },
            maxEntropy: { type: 'number', exclusiveMinimum: 0, maximum: 8 },
          },
        },
        response: {
          type: 'object',
          additionalProperties: false,
          properties: {
            quarantine: {
              type: 'object',
              additionalProperties: false,
              required: ['window', 'for'],
              properties: {
                denyRatio: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
                anomalyRatio: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
                minRequests: { type: 'integer', minimum: 1 },
                window: duration,
                for: duration,
              },
            },
          },
        },
      },
    },
  },
} as const;

/** Where the published copy lives (schema/meshpolicy.schema.json) and what it is called. */
export const SCHEMA_ID = 'https://meshguard.io/schema/meshpolicy.schema.json';

/**
 * The schema as published in schema/meshpolicy.schema.json for editors (YAML language server:
 * `# yaml-language-server: $schema=…`): the same object `validate` checks with, plus its name.
 * test/unit/schema.test.ts fails when the file differs; `npm run schema` rewrites it.
 */
export function publishedSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: SCHEMA_ID,
    title: 'meshguard MeshPolicy',
    description: 'One policy for meshguard: segments (inbound allow rules by SPIFFE identity), egress rules, blocklist, anomaly scoring and quarantine. Reference: docs/policy-reference.md.',
    ...policySchema,
  };
}

export interface SchemaIssue {
  readonly path: (string | number)[];
  readonly message: string;
  /** The issue is about a key (an unknown field), so point at the key rather than its value. */
  readonly atKey: boolean;
  readonly keyword: string;
}

const ajv = new Ajv({ allErrors: true, strict: true });
const validateDocument = ajv.compile(policySchema);

function pathOf(instancePath: string, data: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of instancePath.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key = Array.isArray(node) ? Number(part) : part;
    path.push(key);
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined;
  }
  return path;
}

function describe(error: ErrorObject, path: (string | number)[]): SchemaIssue {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { path: [...path, String(params.additionalProperty)], atKey: true, keyword: error.keyword, message: `unknown field "${String(params.additionalProperty)}"` };
    case 'required':
      return { path, atKey: false, keyword: error.keyword, message: `missing required field "${String(params.missingProperty)}"` };
    case 'enum':
      return { path, atKey: false, keyword: error.keyword, message: `must be one of: ${(params.allowedValues as unknown[]).join(', ')}` };
    case 'const':
      return { path, atKey: false, keyword: error.keyword, message: `must be "${String(params.allowedValue)}"` };
    case 'minItems':
      return { path, atKey: false, keyword: error.keyword, message: 'an empty list matches nothing; leave the field out to match any' };
    case 'exclusiveMinimum':
      return { path, atKey: false, keyword: error.keyword, message: `must be greater than ${String(params.limit)}` };
    default:
      return { path, atKey: false, keyword: error.keyword, message: error.message ?? 'is invalid' };
  }
}

/** Schema errors, at most one per field, in document order of their paths. */
export function checkSchema(data: unknown): SchemaIssue[] {
  if (validateDocument(data)) return [];
  const seen = new Set<string>();
  const issues: SchemaIssue[] = [];
  for (const error of validateDocument.errors ?? []) {
    const issue = describe(error, pathOf(error.instancePath, data));
    const key = issue.path.join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}
