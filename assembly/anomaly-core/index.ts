// anomaly-core.wasm: the anomaly scorer of the filter (assembly/lib/anomaly) for the control plane,
// not proxy-wasm. The TypeScript side (control-plane/anomaly/core.ts) writes a configuration or a
// request into the input buffers, calls an export, and reads the result: numbers as return
// values (exact), text from the output buffer.
import { ByteBuf } from "../sdk/bytes";
import "../sdk/abi/abort";
import { ConfigReader } from "../filters/common/config_reader";
import { AnomalyModel, anomalyModel } from "../lib/anomaly/model";
import { readFilterAnomalyModel } from "../filters/common/config_generated";
import { AnomalyResult, Scorer } from "../lib/anomaly/scorer";
import { ICD_BINS } from "../lib/anomaly/features";

const inputs: ByteBuf[] = [new ByteBuf(256), new ByteBuf(1024), new ByteBuf(1024)];
const output = new ByteBuf(1024);
const scorer = new Scorer();
const result = new AnomalyResult();
let model: AnomalyModel | null = null;

/** Room for `size` bytes in input `index` (0 workload / configuration, 1 header pairs, 2 the body text by the one body rule, as UTF-8); its address. */
export function input(index: i32, size: i32): usize {
  const b = inputs[index];
  b.clear();
  b.reserve(size);
  b.length = size;
  return b.ptr;
}

export function outputPtr(): usize {
  return output.ptr;
}

export function outputLength(): i32 {
  return output.length;
}

/** Input 0 holds a JSON object with an optional `model`: the model in force from now on. False: the error is in the output. */
export function configure(): bool {
  const r = new ConfigReader();
  output.clear();
  const doc = r.parse(inputs[0]);
  let m: AnomalyModel | null = null;
  if (doc !== null) {
    const v = r.object(doc, "model", "", false);
    if (v !== null) {
      const raw = readFilterAnomalyModel(r, v, "model");
      if (r.ok) m = anomalyModel(r, raw, "", "model");
    }
  }
  if (!r.ok) {
    output.setString(r.error!);
    return false;
  }
  model = m;
  return true;
}

/** Scores the request in inputs 0 (workload), 1 (header pairs), 2 (body); the output holds route\nhits. */
export function score(observe: bool): f64 {
  scorer.readHeaders(inputs[1]);
  scorer.readBody(inputs[2]);
  scorer.score(inputs[0].toString(), model, result);
  output.clear();
  output.appendBuf(result.route);
  output.push(10);
  output.appendBuf(result.hits);
  if (observe) appendObserved();
  return result.score;
}

export function detectorScore(): f64 {
  return result.detectorScore;
}

export function modelScore(): f64 {
  return result.modelScore;
}

export function routeMode(): i32 {
  return <i32>result.mode;
}

/** After the hits: one line per modelled field, `name\tlength\tbin0..bin5 (×1e6, integers)\tclasses hex\tshape\thash`. */
function appendObserved(): void {
  for (let i = 0; i < scorer.observedCount; i++) {
    const o = scorer.observed[i];
    const f = o.features;
    output.push(10);
    appendClean(o.name);
    output.push(9);
    output.appendDecimal(<u64>f.length);
    for (let b = 0; b < ICD_BINS; b++) {
      output.push(9);
      output.appendDecimal(<u64>Math.round(f.bins[b] * 1e6));
    }
    output.push(9);
    for (let shift = 60; shift >= 0; shift -= 4) {
      const d = <i32>((f.classes >> <u64>shift) & 15);
      output.push(<u8>(d < 10 ? 48 + d : 87 + d));
    }
    output.push(9);
    appendClean(f.shape);
    output.push(9);
    output.appendDecimal(<u64>f.hash);
  }
}

/** Tabs and newlines would break the line format: as spaces. */
function appendClean(b: ByteBuf): void {
  for (let i = 0; i < b.length; i++) {
    const c = b.at(i);
    output.push(c == 9 || c == 10 || c == 13 ? 32 : c);
  }
}
