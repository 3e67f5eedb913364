import { GenericEventEmitter, type AnyProviderEvent } from '@openfeature/core';

type Listener = (...args: any[]) => void;

/**
 * A minimal synchronous listener registry: the five methods of the platform emitter that OpenFeature's
 * `GenericEventEmitter` calls (`on`, `removeListener`, `removeAllListeners`, `listeners`, `emit`),
 * with Node's semantics (a listener added twice runs twice; removing drops its last addition). The
 * providers use it so that they need only `@openfeature/core` at runtime: a web app never loads the
 * server SDK (which brings in `node:events`) and a server never loads the web SDK.
 */
class Listeners {
  readonly #byName = new Map<string | symbol, Listener[]>();

  listeners(name: string | symbol): Listener[] {
    return [...(this.#byName.get(name) ?? [])];
  }

  on(name: string | symbol, listener: Listener): this {
    this.#byName.set(name, [...this.listeners(name), listener]);
    return this;
  }

  removeListener(name: string | symbol, listener: Listener): this {
    const list = this.listeners(name);
    const index = list.lastIndexOf(listener);
    if (index >= 0) list.splice(index, 1);
    this.#byName.set(name, list);
    return this;
  }

  removeAllListeners(name?: string | symbol): this {
    if (name === undefined) this.#byName.clear();
    else this.#byName.delete(name);
    return this;
  }

  emit(name: string | symbol, ...args: unknown[]): boolean {
    // Each change replaces the list, so a listener that adds or removes one does not disturb this loop.
    const list = this.#byName.get(name) ?? [];
    for (const listener of list) listener(...args);
    return list.length > 0;
  }
}

/** The providers' event emitter: OpenFeature's own handler bookkeeping over {@link Listeners}. */
export class FlagstreamEventEmitter extends GenericEventEmitter<AnyProviderEvent> {
  // Its declared type is Node's whole emitter (which `@openfeature/core` does not export); it calls only the five above.
  protected readonly eventEmitter = new Listeners() as never;
}
