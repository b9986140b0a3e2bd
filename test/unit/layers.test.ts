// The layering written in control-plane/LAYERS.md holds for every import of control-plane/, and
// the proxy-wasm host package imports nothing of meshguard's.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');
const ROOT = path.join(REPO, 'control-plane');
const HOST = path.join(REPO, 'packages/proxy-wasm-host/src');

/** Layer index of each top-level entry (folder or file) of control-plane/, from LAYERS.md. */
export function readLayers(markdown: string): Map<string, number> {
  const block = /```layers\n([\s\S]*?)```/.exec(markdown);
  if (!block) throw new Error('LAYERS.md has no ```layers block');
  const layers = new Map<string, number>();
  block[1]!.trim().split('\n').forEach((line, index) => {
    const [, units = ''] = /^[\w-]+:\s*(.*)$/.exec(line.trim()) ?? [];
    for (const unit of units.split(/\s+/).filter(Boolean)) {
      if (layers.has(unit)) throw new Error(`${unit} is in two layers`);
      layers.set(unit, index);
    }
  });
  return layers;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return tsFiles(file);
    return name.endsWith('.ts') ? [file] : [];
  });
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
function specifiers(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

/** The top-level entry of control-plane/ a path is in, or null when outside. */
function unitOf(file: string): string | null {
  const rel = path.relative(ROOT, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return rel.split(path.sep)[0]!.replace(/\.js$/, '.ts');
}

interface Edge { readonly from: string; readonly to: string; readonly file: string; readonly spec: string }

function edges(): Edge[] {
  return tsFiles(ROOT).flatMap((file) => specifiers(file)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => ({ from: unitOf(file)!, to: unitOf(path.resolve(path.dirname(file), spec)) ?? '(outside control-plane)', file: path.relative(REPO, file), spec }))
    .filter((e) => e.from !== e.to));
}

function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe('control-plane layers', () => {
  const layers = readLayers(readFileSync(path.join(ROOT, 'LAYERS.md'), 'utf8'));
  // A folder without TypeScript (e.g. left empty by a checkout) is not a unit.
  const units = readdirSync(ROOT).filter((name) => {
    const entry = path.join(ROOT, name);
    return statSync(entry).isDirectory() ? tsFiles(entry).length > 0 : name.endsWith('.ts');
  });

  it('places every folder and top-level file in exactly one layer, and names nothing that does not exist', () => {
    expect(units.filter((u) => !layers.has(u)).map((u) => `${u} is in no layer`)).toEqual([]);
    expect([...layers.keys()].filter((u) => !units.includes(u)).map((u) => `${u} does not exist`)).toEqual([]);
  });

  it('imports only from lower layers', () => {
    const against = edges()
      .filter((e) => !(layers.has(e.to) && layers.get(e.to)! < layers.get(e.from)!))
      .map((e) => `${e.file} imports ${e.spec}: ${e.from} (layer ${layers.get(e.from)}) → ${e.to} (layer ${layers.get(e.to) ?? 'none'})`);
    expect(against).toEqual([]);
  });

  it('has no cycle between folders', () => {
    const graph = new Map<string, Set<string>>();
    for (const e of edges()) graph.set(e.from, (graph.get(e.from) ?? new Set()).add(e.to));
    expect(cycles(graph).map((c) => c.join(' → '))).toEqual([]);
  });

  it('would see an import against the layers (the check itself can fail)', () => {
    const sample = new Map([['a', new Set(['b'])], ['b', new Set(['a'])]]);
    expect(cycles(sample)).toEqual([['a', 'b', 'a']]);
    expect(() => readLayers('```layers\nx: a\ny: a\n```')).toThrow('a is in two layers');
    expect(readLayers('```layers\nlow: a b\nhigh: c\n```')).toEqual(new Map([['a', 0], ['b', 0], ['c', 1]]));
  });
});

describe('packages/proxy-wasm-host', () => {
  it('imports only its own modules and Node built-ins', () => {
    const foreign = tsFiles(HOST).flatMap((file) => specifiers(file)
      .filter((spec) => spec.startsWith('.') ? path.relative(HOST, path.resolve(path.dirname(file), spec)).startsWith('..') : !spec.startsWith('node:'))
      .map((spec) => `${path.relative(REPO, file)} imports ${spec}`));
    expect(foreign).toEqual([]);
  });
});
