// Stands in for Envoy's event loop: work that Envoy posts for later (HTTP callout responses,
// queue notifications) is queued here and runs when the embedder calls dispatch()/settle(),
// never inside the VM call that caused it.

export type Task = () => void;

export class Dispatcher {
  private readonly tasks: Task[] = [];
  private readonly pending = new Set<Promise<unknown>>();

  post(task: Task): void {
    this.tasks.push(task);
  }

  /** Tracks embedder promises (async cluster handlers) that will post tasks when they settle. */
  track(p: Promise<unknown>): void {
    const done = () => {
      this.pending.delete(tracked);
    };
    const tracked: Promise<void> = p.then(done, done);
    this.pending.add(tracked);
  }

  get idle(): boolean {
    return this.tasks.length === 0 && this.pending.size === 0;
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Runs every queued task, including tasks queued while running; returns how many ran. */
  dispatch(): number {
    let ran = 0;
    while (this.tasks.length > 0) {
      const task = this.tasks.shift()!;
      task();
      ran++;
    }
    return ran;
  }

  /** Dispatches until nothing is queued and no tracked promise is outstanding. */
  async settle(): Promise<void> {
    this.dispatch();
    while (this.pending.size > 0) {
      await Promise.race(this.pending);
      this.dispatch();
    }
  }
}
