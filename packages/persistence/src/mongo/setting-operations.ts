import { isDuplicateKey } from './driver-errors';
import type { MongoCollections } from './mongo-collections';

export async function getSetting(collections: MongoCollections, key: string): Promise<string | null> {
  return (await collections.settings.findOne({ _id: key }))?.value ?? null;
}

/** The unique `_id` makes the first insert win; everyone else reads what it stored. */
export async function setSettingIfAbsent(
  collections: MongoCollections,
  key: string,
  value: string,
): Promise<string> {
  try {
    await collections.settings.insertOne({ _id: key, value });
    return value;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  const stored = await collections.settings.findOne({ _id: key });
  if (!stored) throw new Error(`settings: "${key}" collided on insert but cannot be read back`);
  return stored.value;
}
