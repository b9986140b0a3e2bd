// Types of scripts/gen-filter-config.mjs for the tests that import it.
export interface JsonSchema {
  [key: string]: unknown;
  properties?: Record<string, JsonSchema>;
}
export interface FilterConfigSchema extends JsonSchema {
  definitions: Record<string, JsonSchema & { properties: Record<string, JsonSchema> }>;
}
export const SCHEMA_FILE: string;
export const TS_FILE: string;
export const AS_FILE: string;
export const README_FILE: string;
export const README_BEGIN: string;
export const README_END: string;
export function loadSchema(): FilterConfigSchema;
export function generateTs(schema: FilterConfigSchema): Promise<string>;
export function generateAs(schema: FilterConfigSchema): string;
export function generateReadmeSection(schema: FilterConfigSchema): string;
export function spliceReadme(text: string, section: string): string;
/** Every generated file: repository path → content. */
export function generate(schema?: FilterConfigSchema): Promise<Record<string, string>>;
