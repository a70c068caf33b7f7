import { isDuplicateKey } from './driver-errors';
import type { MongoCollections } from './mongo-collections';

/** Installation state lives in the `settings` collection, its name from before the rename, so existing data stays readable. */
export async function getInstallationValue(
  collections: MongoCollections,
  key: string,
): Promise<string | null> {
  return (await collections.settings.findOne({ _id: key }))?.value ?? null;
}

/** The unique `_id` makes the first insert win; everyone else reads what it stored. */
export async function setInstallationValueIfAbsent(
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
  if (!stored) throw new Error(`installation state: "${key}" collided on insert but cannot be read back`);
  return stored.value;
}
