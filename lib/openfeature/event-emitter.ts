import { GenericEventEmitter, type AnyProviderEvent } from '@openfeature/core';

type Listener = (...args: any[]) => void;

/**
 * A minimal synchronous listener registry with the shape of the platform emitter OpenFeature expects. The providers use it so
 * that they need only `@openfeature/core` at runtime: a web app never loads the server SDK (which
 * brings in `node:events`) and a server never loads the web SDK.
 */
class Listeners {
  readonly #byName = new Map<string | symbol, Listener[]>();

  addListener(name: string | symbol, listener: Listener): this {
    return this.on(name, listener);
  }

  on(name: string | symbol, listener: Listener): this {
    this.#byName.set(name, [...(this.#byName.get(name) ?? []), listener]);
    return this;
  }

  once(name: string | symbol, listener: Listener): this {
    const wrapped: Listener = (...args) => {
      this.off(name, wrapped);
      listener(...args);
    };
    return this.on(name, wrapped);
  }

  removeListener(name: string | symbol, listener: Listener): this {
    const list = this.#byName.get(name);
    const index = list ? list.lastIndexOf(listener) : -1;
    if (!list || index < 0) return this;
    const rest = list.filter((_, i) => i !== index);
    if (rest.length > 0) this.#byName.set(name, rest);
    else this.#byName.delete(name);
    return this;
  }

  off(name: string | symbol, listener: Listener): this {
    return this.removeListener(name, listener);
  }

  removeAllListeners(name?: string | symbol): this {
    if (name === undefined) this.#byName.clear();
    else this.#byName.delete(name);
    return this;
  }

  listeners(name: string | symbol): Listener[] {
    return [...(this.#byName.get(name) ?? [])];
  }

  emit(name: string | symbol, ...args: unknown[]): boolean {
    const list = this.#byName.get(name);
    if (!list) return false;
    for (const listener of list) listener(...args);
    return true;
  }

  listenerCount(name: string | symbol, listener?: Listener): number {
    const list = this.#byName.get(name) ?? [];
    return listener ? list.filter((candidate) => candidate === listener).length : list.length;
  }

  eventNames(): Array<string | symbol> {
    return [...this.#byName.keys()];
  }
}

/** The providers' event emitter: OpenFeature's own handler bookkeeping over {@link Listeners}. */
export class FlagstreamEventEmitter extends GenericEventEmitter<AnyProviderEvent> {
  protected readonly eventEmitter = new Listeners();
}
