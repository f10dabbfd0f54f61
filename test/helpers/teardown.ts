/**
 * Every server, child process and browser a test starts is registered here
 * the moment it exists, and unregistered when the test stops it. Whatever is
 * still registered when the run ends (a `before` hook that threw halfway, a
 * suite whose `after` never ran) is stopped by the root hook in
 * `test/rootHooks.ts`, so a failing run ends instead of waiting forever on
 * open handles.
 */

interface Resource {
  label: string;
  close: () => Promise<unknown> | unknown;
}

// One registry per process, even if this module were loaded twice (the root hook and the tests import it).
const key = Symbol.for("notary.test.teardown");
const registry: Set<Resource> = ((globalThis as Record<symbol, unknown>)[key] ??= new Set<Resource>()) as Set<Resource>;

/**
 * Registers something a test started; returns the function that unregisters
 * it (call it once the resource is stopped).
 */
export function track(label: string, close: () => Promise<unknown> | unknown): () => void {
  const resource: Resource = { label, close };
  registry.add(resource);
  return () => registry.delete(resource);
}

/** What is still running, by label. */
export const stillRunning = (): string[] => [...registry].map((r) => r.label);

const within = (ms: number, p: Promise<unknown>): Promise<unknown> =>
  Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error(`not stopped within ${ms} ms`)), ms).unref())]);

/** Stops everything still registered, newest first, each within `perResourceMs`; returns what had to be stopped. */
export async function teardownAll(perResourceMs = 10_000): Promise<string[]> {
  const leftovers = [...registry].reverse();
  registry.clear();
  for (const r of leftovers) {
    try {
      await within(perResourceMs, Promise.resolve().then(r.close));
    } catch (e) {
      console.error(`teardown: ${r.label}: ${(e as Error).message}`);
    }
  }
  return leftovers.map((r) => r.label);
}

/**
 * Builds something in steps (a server, then a browser, …): every step's
 * resource is registered, and if a later step throws, the earlier ones are
 * stopped before the error is passed on.
 */
export class Setup {
  private readonly steps: { close: () => Promise<unknown> | unknown; untrack: () => void }[] = [];

  /** Registers a started resource; returns it. */
  add<T>(label: string, resource: T, close: (resource: T) => Promise<unknown> | unknown): T {
    const stop = () => close(resource);
    this.steps.push({ close: stop, untrack: track(label, stop) });
    return resource;
  }

  /** Stops every resource added so far, newest first (after a failed step, or at the end of the suite). */
  async undo(): Promise<void> {
    for (const step of this.steps.reverse()) {
      step.untrack();
      try {
        await step.close();
      } catch (e) {
        console.error(`teardown: ${(e as Error).message}`);
      }
    }
    this.steps.length = 0;
  }

  /** Runs the steps; on any failure undoes what was built and rethrows. */
  static async build<T>(fn: (setup: Setup) => Promise<T>): Promise<{ value: T; setup: Setup }> {
    const setup = new Setup();
    try {
      return { value: await fn(setup), setup };
    } catch (e) {
      await setup.undo();
      throw e;
    }
  }
}
