// The anomaly filter's part of the plugin configuration: the `anomaly` section (mode, threshold
// and optionally the learned `model` of this workload's routes) and the top-level `telemetry`
// (AnomalyFilterConfig in control-plane/filter-config/filter-config.schema.json), read by the
// generated reader.
import { JsonValue } from "../../lib/json";
import { AnomalyModel, anomalyModel } from "../../lib/anomaly/model";
import { ConfigReader } from "../common/config_reader";
import { FilterMode, FilterTelemetry, readAnomalyFilterConfig } from "../common/config_generated";

/** The section's mode as the generated reader reads it (`off`, `monitor`, `enforce`). */
export { FilterMode as AnomalyMode };

export class AnomalyConfig {
  version: string = "";
  workload: string = "";
  mode: FilterMode = FilterMode.Off;
  threshold: f64 = 0;
  model: AnomalyModel | null = null;
  telemetry: FilterTelemetry | null = null;
}

/** The anomaly configuration, or null with `r.error` set. */
export function readAnomalyConfig(r: ConfigReader, doc: JsonValue): AnomalyConfig | null {
  const raw = readAnomalyFilterConfig(r, doc, "");
  if (!r.ok) return null;
  const config = new AnomalyConfig();
  config.version = raw.version;
  config.workload = raw.workload;
  const section = raw.anomaly;
  config.mode = section.mode;
  config.threshold = section.threshold;
  const model = section.model;
  if (model !== null) config.model = anomalyModel(r, model, config.workload, "anomaly.model");
  config.telemetry = raw.telemetry;
  return r.ok ? config : null;
}
