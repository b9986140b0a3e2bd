// The configuration and counters both egress root contexts (HTTP and TCP) share.
import { Counter, logInfo, RootContext } from "../../sdk";
import { DnsFinding } from "../../lib/dns_tunnel";
import { ConfigReader } from "../common/config_reader";
import { readConfigDocument, rejectConfiguration } from "../common/request_facts";
import { EgressConfig, readEgressConfig } from "./config";
import { EgressVerdict } from "./decide";

export class EgressRoot extends RootContext {
  config: EgressConfig | null = null;
  allowed: Counter | null = null;
  denied: Counter | null = null;
  dnsSuspicious: Counter | null = null;

  /** "egress" or "egress-tcp": names the log lines and the allow/deny counters. */
  constructor(id: u32, public readonly filter: string) {
    super(id);
  }

  onConfigure(size: u32): bool {
    const r = new ConfigReader();
    const doc = readConfigDocument(this.filter, size, r);
    if (doc === null) return false;
    const config = readEgressConfig(r, doc);
    if (config === null) return rejectConfiguration(this.filter, r);
    this.config = config;
    if (this.allowed === null) {
      const prefix = "meshguard_" + this.filter.replace("-", "_");
      this.allowed = new Counter(prefix + "_allowed");
      this.denied = new Counter(prefix + "_denied");
      this.dnsSuspicious = new Counter("meshguard_egress_dns_suspicious");
    }
    logInfo("meshguard " + this.filter + ": configured " + config.workload + " (policy " + config.version + ", " +
      config.rules.length.toString() + " rules)");
    return true;
  }

  count(verdict: EgressVerdict): void {
    if (verdict.dnsFinding != DnsFinding.None) this.dnsSuspicious!.increment();
    if (verdict.allow) this.allowed!.increment();
    else this.denied!.increment();
  }
}
