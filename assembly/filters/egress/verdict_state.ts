// The egress verdict as filter state, for replay and access logs.
import { ByteBuf, PropertyPath, setProperty } from "../../sdk";
import { EgressVerdict } from "./decide";

/**
 * The verdict as filter state (`wasm.meshguard_egress`: the reason code, then a space and the rule
 * name when a rule allowed), so that replay and Envoy's access log can name the allowing rule
 * without a request header that would reach the external host.
 */
const VERDICT_PROPERTY = PropertyPath.of(["meshguard_egress"]);
const verdictText = new ByteBuf(64);

export function recordVerdict(verdict: EgressVerdict): void {
  verdictText.setString(verdict.reason);
  const rule = verdict.rule;
  if (rule !== null) {
    verdictText.push(32);
    verdictText.append(rule.name.ptr, rule.name.length);
  }
  setProperty(VERDICT_PROPERTY, verdictText);
}
