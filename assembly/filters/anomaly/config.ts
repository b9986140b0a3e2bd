// The anomaly filter's part of the plugin configuration: the `anomaly` section (mode, threshold
// and optionally the learned `model` of this workload's routes) and the top-level `telemetry`.
import { JsonValue } from "../../lib/json";
import { AnomalyModel, readModel } from "../../lib/anomaly/model";
import { ConfigReader } from "../common/config_reader";
import { readTelemetryConfig, TelemetryConfig } from "../common/telemetry";

export enum AnomalyMode {
  Off = 0,
  Monitor = 1,
  Enforce = 2,
}

export class AnomalyConfig {
  version: string = "";
  workload: string = "";
  mode: AnomalyMode = AnomalyMode.Off;
  threshold: f64 = 0;
  model: AnomalyModel | null = null;
  telemetry: TelemetryConfig | null = null;
}

/** The anomaly configuration, or null with `r.error` set. */
export function readAnomalyConfig(r: ConfigReader, doc: JsonValue): AnomalyConfig | null {
  const config = new AnomalyConfig();
  config.version = r.string(doc, "version", "version", false);
  config.workload = r.string(doc, "workload", "workload", false);
  const section = r.object(doc, "anomaly", "anomaly", true);
  if (section === null) return null;
  config.mode = <AnomalyMode>r.choice(section, "mode", "anomaly.mode", ["off", "monitor", "enforce"]);
  if (config.mode != AnomalyMode.Off) {
    config.threshold = r.number(section, "threshold", "anomaly.threshold", 0, 1e9, false);
    if (r.ok) config.model = readModel(r, section, config.workload, "anomaly.model");
  }
  if (r.ok) config.telemetry = readTelemetryConfig(r, doc);
  return r.ok ? config : null;
}
