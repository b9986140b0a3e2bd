// Many substrings at once (Aho-Corasick, compiled to a full DFA at configuration time): which
// groups (anomaly signatures) have any pattern in a text, in one pass over its UTF-16 units.
// Units that occur in no pattern share class 0, so the table is states × (distinct pattern units + 1).
import { Units } from "./units";

/** States a matcher can have (u16 transitions). */
export const MAX_STATES: i32 = 65535;

/** The states a matcher of these patterns needs at most (1 + their total length). */
export function statesNeeded(patterns: string[]): i32 {
  let n = 1;
  for (let i = 0; i < patterns.length; i++) n += patterns[i].length;
  return n;
}

export class Matcher {
  /** Class of each ASCII unit (0: in no pattern). */
  private asciiClass: StaticArray<u16> = new StaticArray<u16>(128);
  /** Non-ASCII units that occur in patterns, sorted, and their classes. */
  private highUnits: u16[] = [];
  private highClasses: u16[] = [];
  private classes: i32 = 1;
  /** next[state * classes + class]; u16 states keep the table small (see MAX_STATES). */
  private next: StaticArray<u16> = new StaticArray<u16>(0);
  /** Per state: index into `outputs` of its group bitset, or -1. */
  private outputAt: StaticArray<i32> = new StaticArray<i32>(0);
  private outputs: StaticArray<u32> = new StaticArray<u32>(0);
  readonly groups: i32;
  /** u32 words per group bitset. */
  readonly words: i32;
  states: i32 = 1;

  /**
   * `patterns[i]` belongs to group `groupOf[i]` (0 ≤ group < groups). Empty patterns are ignored.
   * Patterns of more than MAX_STATES - 1 units in all do not fit: check `fits` first.
   */
  constructor(patterns: string[], groupOf: i32[], groups: i32) {
    this.groups = groups;
    this.words = (groups + 31) >> 5;
    this.assignClasses(patterns);
    this.build(patterns, groupOf);
  }

  private assignClasses(patterns: string[]): void {
    const high = new Array<u16>();
    for (let p = 0; p < patterns.length; p++) {
      const text = patterns[p];
      for (let i = 0; i < text.length; i++) {
        const c = <u16>text.charCodeAt(i);
        if (c < 128) {
          if (unchecked(this.asciiClass[c]) == 0) unchecked((this.asciiClass[c] = <u16>this.newClass()));
        } else if (!high.includes(c)) high.push(c);
      }
    }
    // Insertion sort: few distinct non-ASCII units, and Array#sort would add kilobytes of code.
    for (let i = 1; i < high.length; i++) {
      const u = high[i];
      let j = i - 1;
      while (j >= 0 && high[j] > u) {
        high[j + 1] = high[j];
        j--;
      }
      high[j + 1] = u;
    }
    for (let i = 0; i < high.length; i++) {
      this.highUnits.push(high[i]);
      this.highClasses.push(<u16>this.newClass());
    }
  }

  private newClass(): i32 {
    return this.classes++;
  }

  @inline private classOf(unit: u16): i32 {
    if (unit < 128) return <i32>unchecked(this.asciiClass[unit]);
    return this.highClassOf(unit);
  }

  private highClassOf(unit: u16): i32 {
    let lo = 0;
    let hi = this.highUnits.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = unchecked(this.highUnits[mid]);
      if (u == unit) return <i32>unchecked(this.highClasses[mid]);
      if (u < unit) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  private build(patterns: string[], groupOf: i32[]): void {
    const C = this.classes;
    let capacity = 1;
    for (let p = 0; p < patterns.length; p++) capacity += patterns[p].length;
    // Trie: goto[s * C + c] (0 = none, since the root is never a child), then BFS fills the DFA.
    const trie = new StaticArray<i32>(capacity * C);
    const stateGroups = new Array<Array<i32>>();
    stateGroups.push([]);
    for (let p = 0; p < patterns.length; p++) {
      const text = patterns[p];
      if (text.length == 0) continue;
      let s = 0;
      for (let i = 0; i < text.length; i++) {
        const c = this.classOf(<u16>text.charCodeAt(i));
        let t = unchecked(trie[s * C + c]);
        if (t == 0) {
          t = this.states++;
          unchecked((trie[s * C + c] = t));
          stateGroups.push([]);
        }
        s = t;
      }
      const g = unchecked(groupOf[p]);
      if (!stateGroups[s].includes(g)) stateGroups[s].push(g);
    }
    const S = this.states;
    const next = new StaticArray<u16>(S * C);
    const fail = new StaticArray<i32>(S);
    const queue = new StaticArray<i32>(S);
    let head = 0;
    let tail = 0;
    for (let c = 0; c < C; c++) {
      const t = unchecked(trie[c]);
      unchecked((next[c] = <u16>t));
      if (t != 0) unchecked((queue[tail++] = t));
    }
    while (head < tail) {
      const s = unchecked(queue[head++]);
      const f = unchecked(fail[s]);
      // Groups reachable through the failure link end here too.
      const inherited = stateGroups[f];
      for (let i = 0; i < inherited.length; i++) if (!stateGroups[s].includes(inherited[i])) stateGroups[s].push(inherited[i]);
      for (let c = 0; c < C; c++) {
        const t = unchecked(trie[s * C + c]);
        if (t != 0) {
          unchecked((fail[t] = next[f * C + c]));
          unchecked((next[s * C + c] = <u16>t));
          unchecked((queue[tail++] = t));
        } else unchecked((next[s * C + c] = next[f * C + c]));
      }
    }
    let withOutput = 0;
    for (let s = 0; s < S; s++) if (stateGroups[s].length > 0) withOutput++;
    const outputAt = new StaticArray<i32>(S);
    const outputs = new StaticArray<u32>(withOutput * this.words);
    let at = 0;
    for (let s = 0; s < S; s++) {
      const groups = stateGroups[s];
      if (groups.length == 0) {
        unchecked((outputAt[s] = -1));
        continue;
      }
      unchecked((outputAt[s] = at));
      for (let i = 0; i < groups.length; i++) {
        const g = groups[i];
        unchecked((outputs[at + (g >> 5)] |= 1 << (g & 31)));
      }
      at += this.words;
    }
    this.next = next;
    this.outputAt = outputAt;
    this.outputs = outputs;
  }

  /** Scans text[from, to) from `state`; ORs the groups found into `hits`; returns the end state. */
  scan(text: Units, from: i32, to: i32, state: i32, hits: StaticArray<u32>): i32 {
    const C = this.classes;
    const next = this.next;
    const outputAt = this.outputAt;
    const base = text.ptr;
    for (let i = from; i < to; i++) {
      const unit = load<u16>(base + (<usize>i << 1));
      state = <i32>unchecked(next[state * C + this.classOf(unit)]);
      const out = unchecked(outputAt[state]);
      if (out >= 0) for (let w = 0; w < this.words; w++) unchecked((hits[w] |= this.outputs[out + w]));
    }
    return state;
  }
}
