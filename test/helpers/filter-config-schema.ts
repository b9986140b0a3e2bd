// ajv for control-plane/filter-config/filter-config.schema.json: the generator's own keywords
// declared (x-as-read, x-as-unless steer only the AssemblyScript reader), the cidr format checked.
import { Ajv } from 'ajv';
import { loadSchema } from '../../scripts/gen-filter-config.mjs';

export function filterConfigAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
  ajv.addKeyword('x-as-read');
  ajv.addKeyword('x-as-unless');
  ajv.addFormat('cidr', /^(?:\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:.]+\/\d{1,3})$/);
  ajv.addSchema(loadSchema(), 'filter-config');
  return ajv;
}
