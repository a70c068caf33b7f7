import type {
  CollectionDeclaration,
  CollectionEntry,
  KindCollection,
  KindCollections,
  Page,
} from '@slipway/domain';
import type { Database } from 'lmdb';
import type { Static, TObject } from 'typebox';
import { checkEntry, conflict, listWindow, nextCursor } from '../collections/collection-rules';
import type { LmdbDatabases } from './lmdb-databases';

interface StoredEntry {
  version: number;
  doc: unknown;
}

/**
 * Each declared collection is its own named lmdb database (`kind:<name>`), written in its own
 * child transaction: never part of a resource's commit, as the port promises.
 */
export class LmdbKindCollections implements KindCollections {
  private readonly opened = new Map<string, Database<StoredEntry, string>>();

  constructor(private readonly dbs: LmdbDatabases) {}

  collection<Doc extends TObject>(declaration: CollectionDeclaration<Doc>): KindCollection<Static<Doc>> {
    const name = `kind:${declaration.name}`;
    const db = this.opened.get(name) ?? this.dbs.root.openDB<StoredEntry, string>(name, {});
    this.opened.set(name, db);
    const root = this.dbs.root;
    const entry = (key: string, stored: StoredEntry): CollectionEntry<Static<Doc>> => ({
      key,
      version: stored.version,
      doc: stored.doc as Static<Doc>,
    });
    return {
      async insert(key, doc) {
        checkEntry(declaration, key, doc);
        const copy = structuredClone(doc);
        return root.childTransaction(() => {
          if (db.get(key) !== undefined) throw conflict(declaration, key, 'exists already');
          db.put(key, { version: 1, doc: copy });
          return entry(key, { version: 1, doc: copy });
        });
      },
      async get(key) {
        const stored = db.get(key);
        return stored === undefined ? null : entry(key, stored);
      },
      async replace(key, expectedVersion, doc) {
        checkEntry(declaration, key, doc);
        const copy = structuredClone(doc);
        return root.childTransaction(() => {
          const stored = db.get(key);
          if (stored === undefined) throw conflict(declaration, key, 'does not exist');
          if (stored.version !== expectedVersion) {
            throw conflict(declaration, key, `is at version ${stored.version}, not ${expectedVersion}`);
          }
          const next = { version: expectedVersion + 1, doc: copy };
          db.put(key, next);
          return entry(key, next);
        });
      },
      async list(query): Promise<Page<CollectionEntry<Static<Doc>>>> {
        const window = listWindow(declaration, query);
        const items: CollectionEntry<Static<Doc>>[] = [];
        let more = false;
        const start = window.after !== null && window.after >= window.prefix ? window.after : window.prefix;
        for (const { key, value } of db.getRange({ start })) {
          if (!key.startsWith(window.prefix)) break;
          if (window.after !== null && key <= window.after) continue;
          if (items.length === window.limit) {
            more = true;
            break;
          }
          items.push(entry(key, value));
        }
        const last = items.at(-1);
        return { items, nextCursor: more && last ? nextCursor(window, last.key) : null };
      },
    };
  }
}
