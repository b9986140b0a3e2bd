// Writing a rendered bundle: one multi-document YAML file per RenderedFile, under an output directory.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { IstioBundle, RenderedFile } from './types.js';

/** The file's text: header comments, then `---`-separated documents (no YAML aliases, no line folding). */
export function fileText(file: RenderedFile): string {
  const header = file.header.map((l) => `# ${l}`).join('\n');
  const docs = file.objects.map((o) => stringify(o, { aliasDuplicateObjects: false, lineWidth: 0 }));
  return `${header}\n---\n${docs.join('---\n')}`;
}

export async function writeBundle(bundle: IstioBundle, outDir: string): Promise<string[]> {
  const written: string[] = [];
  for (const file of bundle.files) {
    const path = join(outDir, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, fileText(file));
    written.push(path);
  }
  return written;
}
