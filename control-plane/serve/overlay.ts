// What changes between policy versions at run time and the wasm filters must see too: the learned
// anomaly model and the quarantined identities. Their owners (telemetry, quarantine) set it; the
// xDS server re-pushes the filter configurations when it changes.
import type { AnomalyModel } from '../anomaly/model.js';
import type { RuntimeState } from '../filter-config/filter-config.js';

export type { RuntimeState };

export class RuntimeOverlay {
  private state: RuntimeState = { model: null, quarantined: [] };
  private readonly listeners = new Set<(state: RuntimeState) => void>();

  get current(): RuntimeState {
    return this.state;
  }

  setModel(model: AnomalyModel | null): void {
    if (model?.version === this.state.model?.version) return;
    this.publish({ ...this.state, model });
  }

  setQuarantined(identities: readonly string[]): void {
    const sorted = [...identities].sort();
    if (sorted.join('\n') === this.state.quarantined.join('\n')) return;
    this.publish({ ...this.state, quarantined: sorted });
  }

  subscribe(listener: (state: RuntimeState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private publish(state: RuntimeState): void {
    this.state = state;
    for (const l of this.listeners) l(state);
  }
}
