/** Where a balancer sends traffic: one cluster's instances, replaced as a whole on promote. */
export interface UpstreamState {
  /** The cluster the upstreams belong to; null when the service has none (answers 503). */
  clusterId: string | null;
  /** Origins, e.g. `http://127.0.0.1:40123`. */
  upstreams: string[];
  /** Bumped on every replacement, so a reader can tell which swap it is looking at. */
  generation: number;
}

export interface UpstreamChoice {
  first: string;
  /** Another upstream of the same set (the same one when the set has only one). */
  retry: string;
  generation: number;
}

/**
 * The balancer's one piece of mutable state. A replacement is a single assignment of a frozen
 * object, so every request sees either the whole old set or the whole new one, never a mix.
 */
export class UpstreamTable {
  private state: Readonly<UpstreamState>;
  private counter = 0;

  constructor(initial: UpstreamState) {
    this.state = Object.freeze({ ...initial, upstreams: [...initial.upstreams] });
  }

  get current(): UpstreamState {
    return { ...this.state, upstreams: [...this.state.upstreams] };
  }

  replace(clusterId: string | null, upstreams: string[]): UpstreamState {
    this.state = Object.freeze({
      clusterId,
      upstreams: [...upstreams],
      generation: this.state.generation + 1,
    });
    return this.current;
  }

  /** Round-robin over the set in force when the request arrived. */
  pick(): UpstreamChoice | null {
    const { upstreams, generation } = this.state;
    if (upstreams.length === 0) return null;
    const index = this.counter % upstreams.length;
    this.counter = (this.counter + 1) % Number.MAX_SAFE_INTEGER;
    return {
      first: upstreams[index]!,
      retry: upstreams[(index + 1) % upstreams.length]!,
      generation,
    };
  }
}

/** An upstream must be a plain http origin; anything else would send traffic somewhere odd. */
export function parseOrigin(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' || url.port === '' || url.username || url.password) return null;
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) return null;
  return url.origin;
}
