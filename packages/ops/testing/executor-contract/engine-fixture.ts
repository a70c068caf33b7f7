import {
  assembleEngine,
  bindKind,
  type Executor,
  imageKind,
  type KindRegistry,
  type Principal,
  type Resource,
  type ResourceService,
  type RunWalker,
  type Store,
  type Transition,
} from '@slipway/domain';
import { monotonicFactory } from 'ulid';
import { ScriptedImageProvider } from './scripted-image-provider';

export const ADMIN: Principal = { id: 'alice', permissions: ['admin'] };
const SPEC = { source: '/src', build: 'make' };

/** The real engine (kinds, walker, service) over a store, with a scripted image provider. */
export class EngineFixture {
  readonly scripted = new ScriptedImageProvider();
  private readonly id = monotonicFactory();

  constructor(readonly store: Store) {}

  get kinds(): KindRegistry {
    return this.engine().kinds;
  }

  /** A walker as a process builds one at start; over another store to script store failures. */
  walker(store: Store = this.store): RunWalker {
    return this.engine(store).walker;
  }

  service(executor: Executor): ResourceService {
    return this.engine().service(executor);
  }

  private engine(store: Store = this.store) {
    return assembleEngine({
      store,
      bindings: [bindKind(imageKind, this.scripted.provider)],
      newId: () => this.id(),
    });
  }

  /** Creates an image and requests its build: the run is stored queued and submitted. */
  async buildImage(service: ResourceService, name: string) {
    const image = await service.create('image', { name, spec: SPEC }, ADMIN);
    const run = await service.requestRun('image', image.id, { target: 'built' }, ADMIN);
    return { image, run };
  }

  async resource(id: string): Promise<Resource | null> {
    return this.store.getResource(id);
  }

  async transitions(resourceId: string): Promise<Transition[]> {
    return (await this.store.listTransitions({ resourceId, limit: 100 })).items;
  }
}

/** An executor that loses everything it is given: runs reach the store but never a queue. */
export const lostQueue: Executor = {
  ensureAccepting: async () => {},
  submit: async () => {},
  abort: () => {},
  recover: async () => 0,
  idle: async () => {},
  close: async () => {},
};

/** The store, except that one method fails the way a broken disk or a bug would. */
export function storeFailingOn<K extends keyof Store>(store: Store, method: K, error: Error): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === method) {
        return async () => {
          throw error;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
