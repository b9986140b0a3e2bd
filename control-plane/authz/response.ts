// Verdict → Envoy CheckResponse (camelCase objects for proto-loader's serializer).
import type { AuthzResult } from '../authorizer/authorizer.js';
import type { HttpInput } from '../engine/request.js';

export const HEADER_SOURCE = 'x-meshguard-source';
export const HEADER_RULE = 'x-meshguard-rule';
export const HEADER_ANOMALY = 'x-meshguard-anomaly-score';
const XFCC = 'x-forwarded-client-cert';

/** google.rpc.Code */
const GRPC_OK = 0;
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_RESOURCE_EXHAUSTED = 8;

export interface HeaderValueOption {
  header: { key: string; value: string };
  appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD';
}

export interface CheckResponseObject {
  status: { code: number; message?: string };
  okResponse?: { headers: HeaderValueOption[]; headersToRemove: string[] };
  deniedResponse?: { status: { code: number }; headers: HeaderValueOption[]; body: string };
}

function set(key: string, value: string): HeaderValueOption {
  return { header: { key, value }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' };
}

/** Identity headers are ours alone: whatever the client sent under those names goes. */
function headersToRemove(http: HttpInput | null, setByUs: ReadonlySet<string>): string[] {
  const remove = [XFCC];
  if (http) {
    for (const name in http.headers) {
      if (name.startsWith('x-meshguard-') && !setByUs.has(name)) remove.push(name);
    }
  }
  for (const name of [HEADER_SOURCE, HEADER_RULE, HEADER_ANOMALY]) {
    if (!setByUs.has(name) && !remove.includes(name)) remove.push(name);
  }
  return remove;
}

const DENIED_BODY: Record<number, string> = {
  400: 'meshguard: bad request\n',
  403: 'meshguard: access denied\n',
  429: 'meshguard: too many requests\n',
};

export function toCheckResponse(result: AuthzResult, http: HttpInput | null): CheckResponseObject {
  if (result.decision === 'allow') {
    const headers: HeaderValueOption[] = [];
    if (result.source !== '') headers.push(set(HEADER_SOURCE, result.source));
    if (result.rule !== null) headers.push(set(HEADER_RULE, result.rule));
    if (result.anomaly !== null) headers.push(set(HEADER_ANOMALY, String(result.anomaly.score)));
    const ours = new Set(headers.map((h) => h.header.key));
    return { status: { code: GRPC_OK }, okResponse: { headers, headersToRemove: headersToRemove(http, ours) } };
  }
  const code = result.status === 400 ? GRPC_INVALID_ARGUMENT : result.status === 429 ? GRPC_RESOURCE_EXHAUSTED : GRPC_PERMISSION_DENIED;
  const headers = [set('content-type', 'text/plain')];
  if (result.status === 429 && result.retryAfterSeconds !== null) headers.push(set('retry-after', String(result.retryAfterSeconds)));
  return {
    status: { code, message: result.reason },
    deniedResponse: { status: { code: result.status }, headers, body: DENIED_BODY[result.status] ?? DENIED_BODY[403]! },
  };
}
