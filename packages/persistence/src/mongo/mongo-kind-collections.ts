import type {
  CollectionDeclaration,
  CollectionEntry,
  KindCollection,
  KindCollections,
  Page,
} from '@slipway/domain';
import type { Db } from 'mongodb';
import type { Static, TObject } from 'typebox';
import { checkEntry, conflict, listWindow, nextCursor } from '../collections/collection-rules';
import { isDuplicateKey } from './driver-errors';

/** One version of one entry: `_id` is `key@version`, so two writers of the same version collide. */
interface EntryDocument {
  _id: string;
  key: string;
  version: number;
  doc: Record<string, unknown>;
}

/** Keys are printable ASCII (0x21-0x7e), so every key with the prefix sorts below this bound. */
const AFTER_PRINTABLE = '\x7f';

const idOf = (key: string, version: number) => `${key}@${String(version).padStart(10, '0')}`;

/**
 * A kind's collection on MongoDB without transactions or atomic conditional updates (FerretDB v1):
 * every write inserts the entry's next version under a unique `_id`, which is the commit point, as
 * the store's change log is; the entry is its highest version. Once the next version is in, the
 * older ones are deleted: a replaced document may be a secret sealed under a key being retired, and
 * must not stay readable with it. A crash before that delete leaves them until the next replace,
 * which deletes every older version; nothing reads them meanwhile.
 */
export class MongoKindCollections implements KindCollections {
  private readonly ready = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly call: <T>(operation: () => Promise<T>) => Promise<T>,
  ) {}

  collection<Doc extends TObject>(declaration: CollectionDeclaration<Doc>): KindCollection<Static<Doc>> {
    const collection = this.db.collection<EntryDocument>(`kind_${declaration.name.replaceAll('.', '_')}`);
    const ready = () => {
      let pending = this.ready.get(declaration.name);
      if (!pending) {
        pending = collection
          .createIndexes([{ key: { key: 1, version: -1 }, name: 'key_version' }])
          .then(() => undefined);
        pending.catch(() => this.ready.delete(declaration.name));
        this.ready.set(declaration.name, pending);
      }
      return pending;
    };
    const call = <T>(operation: () => Promise<T>) =>
      this.call(async () => {
        await ready();
        return operation();
      });
    const entry = (document: EntryDocument): CollectionEntry<Static<Doc>> => ({
      key: document.key,
      version: document.version,
      doc: document.doc as Static<Doc>,
    });
    const head = (key: string) => collection.find({ key }, { sort: { version: -1 }, limit: 1 }).next();
    const insertVersion = async (key: string, version: number, doc: Static<Doc>, taken: string) => {
      const document: EntryDocument = { _id: idOf(key, version), key, version, doc: structuredClone(doc) };
      try {
        await collection.insertOne(document);
      } catch (error) {
        if (isDuplicateKey(error)) throw conflict(declaration, key, taken);
        throw error;
      }
      return entry(document);
    };
    return {
      async insert(key, doc) {
        checkEntry(declaration, key, doc);
        return call(() => insertVersion(key, 1, doc, 'exists already'));
      },
      async get(key) {
        return call(async () => {
          const document = await head(key);
          return document ? entry(document) : null;
        });
      },
      async replace(key, expectedVersion, doc) {
        checkEntry(declaration, key, doc);
        return call(async () => {
          const current = await head(key);
          if (!current) throw conflict(declaration, key, 'does not exist');
          if (current.version !== expectedVersion) {
            throw conflict(declaration, key, `is at version ${current.version}, not ${expectedVersion}`);
          }
          const replaced = await insertVersion(
            key,
            expectedVersion + 1,
            doc,
            `changed at version ${expectedVersion}`,
          );
          await collection.deleteMany({ key, version: { $lt: replaced.version } });
          return replaced;
        });
      },
      async list(query): Promise<Page<CollectionEntry<Static<Doc>>>> {
        const window = listWindow(declaration, query);
        return call(async () => {
          const lower = window.after !== null && window.after >= window.prefix ? window.after : null;
          const keyRange =
            lower === null
              ? { $gte: window.prefix, $lt: window.prefix + AFTER_PRINTABLE }
              : { $gt: lower, $lt: window.prefix + AFTER_PRINTABLE };
          const items: CollectionEntry<Static<Doc>>[] = [];
          let more = false;
          // Highest version first within a key: the first document of each key is the entry.
          const cursor = collection.find({ key: keyRange }, { sort: { key: 1, version: -1 } });
          try {
            for await (const document of cursor) {
              if (items.at(-1)?.key === document.key) continue;
              if (items.length === window.limit) {
                more = true;
                break;
              }
              items.push(entry(document));
            }
          } finally {
            await cursor.close();
          }
          const last = items.at(-1);
          return { items, nextCursor: more && last ? nextCursor(window, last.key) : null };
        });
      },
    };
  }
}
