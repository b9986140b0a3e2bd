// The anomaly scorer's word lists are static byte data (memory.data<u8>: one byte per character,
// where a string literal takes two in the module). Each carries its words as a comment; this
// checks that the comment, the bytes and the length say the same, so the comment can be trusted
// when reading or editing a list.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = join(import.meta.dirname, '..', '..', 'assembly', 'lib', 'anomaly');
const LIST = /new WordList\(\/\* "([^"]*)" \*\/ memory\.data<u8>\(\[([0-9, ]*)\]\), (\d+)\)/g;

describe('anomaly word lists', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
  const lists = files.flatMap((f) => [...readFileSync(join(DIR, f), 'utf8').matchAll(LIST)].map((m) => ({ file: f, m })));

  it('are all in the byte form', () => {
    expect(lists.length).toBeGreaterThan(25);
    for (const f of files) {
      const text = readFileSync(join(DIR, f), 'utf8');
      const all = text.match(/new WordList\(/g)?.length ?? 0;
      const bytes = [...text.matchAll(LIST)].length;
      expect(bytes, `${f}: every WordList in the /* "words" */ memory.data<u8>([…]), length form`).toBe(all);
    }
  });

  it('have bytes and lengths equal to their comments', () => {
    for (const { file, m } of lists) {
      const [, words, data, length] = m;
      const expected = [...Buffer.from(words!, 'latin1')];
      const actual = data!.split(',').map((x) => Number(x.trim()));
      expect(actual, `${file}: ${words}`).toEqual(expected);
      expect(Number(length), `${file}: ${words}`).toBe(expected.length);
      expect(words!.split('|').every((w) => w.length > 0), `${file}: an empty word in ${words}`).toBe(true);
    }
  });
});
