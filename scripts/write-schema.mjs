// Writes schema/meshpolicy.schema.json from control-plane/policy/schema.ts (compiled in dist/):
// the published schema is generated, never edited by hand (test/unit/schema.test.ts checks it).
import { writeFileSync } from 'node:fs';

const { publishedSchema } = await import(new URL('../dist/control-plane/policy/schema.js', import.meta.url).href);
const file = new URL('../schema/meshpolicy.schema.json', import.meta.url);
writeFileSync(file, JSON.stringify(publishedSchema(), null, 2) + '\n');
process.stdout.write(`wrote schema/meshpolicy.schema.json\n`);
