import {
  type CollectionEntry,
  type KindCollection,
  type KindCollections,
  type Page,
  SlipwayError,
} from '@slipway/domain';
import { type Static, Type } from 'typebox';
import { keyId, type SecretKeys, SecretUnreadable, seal, sealedUnder, unseal } from './secret-box';

/** One value a setting had: kept for ever, also after the setting is deleted. */
export const settingVersions = {
  name: 'setting.versions',
  document: Type.Object(
    {
      version: Type.Integer({ minimum: 1 }),
      /** A plain setting's value. */
      value: Type.Optional(Type.String()),
      /** A secret's value, sealed (secret-box.ts); a version holds one of the two. */
      sealed: Type.Optional(Type.String()),
      createdAt: Type.String(),
      createdBy: Type.String(),
      /**
       * Written for a resource write not yet known to be accepted; seen only as the version the
       * setting names (a crash after its write was accepted) until it is settled.
       */
      pending: Type.Optional(Type.Literal(true)),
      /** Its write was refused: the value is gone, the number is never seen nor used again. */
      discarded: Type.Optional(Type.Literal(true)),
    },
    { additionalProperties: false },
  ),
};

export type SettingVersion = Static<typeof settingVersions.document>;

const versionKey = (settingId: string, version: number) =>
  `${settingId}/${String(version).padStart(10, '0')}`;
const associatedData = (settingId: string, version: number) => `slipway-setting:${settingId}:${version}`;

/** What a version looks like from outside: never its value. */
export interface VersionSummary {
  version: number;
  secret: boolean;
  createdAt: string;
  createdBy: string;
}

/**
 * A setting's versions and the keys that seal its secrets: the one place plaintext and
 * ciphertext meet. Nothing it returns but `reveal` carries a value.
 */
export class SettingVault {
  private readonly versions: KindCollection<SettingVersion>;

  constructor(
    collections: KindCollections,
    private readonly keys: SecretKeys,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {
    this.versions = collections.collection(settingVersions);
  }

  /**
   * Stores the next version of a setting (sealed when secret) and answers its number. It stays
   * pending, unseen, until `settle` says the resource write it was made for was accepted.
   */
  async addVersion(settingId: string, value: string, secret: boolean, actor: string): Promise<number> {
    let version = (await this.latest(settingId)) + 1;
    // Concurrent writes of one setting (all but one of which lose their resource write) each take a number.
    for (let attempt = 0; ; attempt++) {
      const doc: SettingVersion = {
        version,
        ...(secret ? { sealed: seal(this.keys, value, associatedData(settingId, version)) } : { value }),
        createdAt: this.now(),
        createdBy: actor,
        pending: true,
      };
      try {
        await this.versions.insert(versionKey(settingId, version), doc);
        return version;
      } catch (error) {
        if (!(error instanceof SlipwayError) || error.code !== 'version_conflict' || attempt >= 20)
          throw error;
        version += 1;
      }
    }
  }

  /**
   * Settles a version `addVersion` wrote: kept for good once its resource write was accepted,
   * emptied (value and ciphertext gone) when it was refused. Only a pending version changes.
   */
  async settle(settingId: string, version: number, accepted: boolean): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.versions.get(versionKey(settingId, version));
      if (!entry?.doc.pending) return;
      const { version: number, createdAt, createdBy } = entry.doc;
      const doc: SettingVersion = accepted
        ? { ...entry.doc }
        : { version: number, createdAt, createdBy, discarded: true };
      delete doc.pending;
      try {
        await this.versions.replace(entry.key, entry.version, doc);
        return;
      } catch (error) {
        if (!(error instanceof SlipwayError) || error.code !== 'version_conflict') throw error;
      }
    }
  }

  /**
   * Whether the setting has this version, as a setting naming `named` (its `spec.version`) sees
   * it: a pending version counts only when it is the one named (its write was accepted).
   */
  async has(settingId: string, version: number, named: number | undefined): Promise<boolean> {
    const entry = await this.versions.get(versionKey(settingId, version));
    return entry !== null && visible(entry.doc, named);
  }

  /** Whether `version` holds exactly `value`: a retried write of the same value adds no version. */
  async holds(settingId: string, version: number, value: string): Promise<boolean> {
    try {
      return (await this.reveal(settingId, version)) === value;
    } catch (error) {
      if (error instanceof SlipwayError) return false;
      throw error;
    }
  }

  /** The value of one version, decrypted; throws `version_not_found` or `secret_unreadable`. */
  async reveal(settingId: string, version: number): Promise<string> {
    const entry = await this.versions.get(versionKey(settingId, version));
    if (!entry) {
      throw new SlipwayError('version_not_found', `Setting ${settingId} has no version ${version}.`, {
        version,
      });
    }
    return this.open(settingId, entry.doc);
  }

  /** The versions a setting naming `named` has (see `has`), oldest first. */
  async list(
    settingId: string,
    named: number | undefined,
    limit: number,
    cursor?: string,
  ): Promise<Page<VersionSummary>> {
    const page = await this.versions.list({ prefix: `${settingId}/`, limit, ...(cursor ? { cursor } : {}) });
    return {
      items: page.items.filter((entry) => visible(entry.doc, named)).map((entry) => summary(entry)),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * Seals a setting's secrets under the current key again (a rotation's last step), each version
   * under its own setting id and number; all or nothing: when one version cannot be opened, none
   * is re-sealed. Answers how many were re-encrypted and how many were under the current key
   * already. Only the setting's own `reencrypt` run calls it, so each re-seal is on the audit trail.
   */
  async reencryptSetting(settingId: string): Promise<{ reencrypted: number; current: number }> {
    const currentId = keyId(this.keys.current);
    const stale: { entry: CollectionEntry<SettingVersion>; plaintext: string }[] = [];
    let current = 0;
    for await (const entry of this.all(`${settingId}/`)) {
      if (entry.doc.sealed === undefined) continue;
      if (sealedUnder(entry.doc.sealed) === currentId) current += 1;
      else stale.push({ entry, plaintext: this.open(settingId, entry.doc) });
    }
    for (const { entry, plaintext } of stale) {
      const sealed = seal(this.keys, plaintext, associatedData(settingId, entry.doc.version));
      await this.versions.replace(entry.key, entry.version, { ...entry.doc, sealed });
    }
    return { reencrypted: stale.length, current };
  }

  /**
   * Every stored secret that these keys cannot open, for the start-up check. A pending version
   * is left out: most are refused writes a crash kept from being emptied; the one a setting
   * names is re-sealed with that setting's versions, and its run reports it if it cannot be read.
   */
  async unreadable(): Promise<string[]> {
    const problems: string[] = [];
    for await (const entry of this.all()) {
      if (entry.doc.sealed === undefined || entry.doc.pending) continue;
      const settingId = entry.key.slice(0, entry.key.indexOf('/'));
      try {
        this.open(settingId, entry.doc);
      } catch (error) {
        if (!(error instanceof SlipwayError)) throw error;
        problems.push(`setting ${settingId} version ${entry.doc.version}: ${error.message}`);
      }
    }
    return problems;
  }

  private open(settingId: string, doc: SettingVersion): string {
    if (doc.sealed === undefined) return doc.value ?? '';
    try {
      return unseal(this.keys, doc.sealed, associatedData(settingId, doc.version));
    } catch (error) {
      if (!(error instanceof SecretUnreadable)) throw error;
      throw new SlipwayError(
        'secret_unreadable',
        `The secret of setting ${settingId} version ${doc.version} cannot be decrypted: ${error.message}.`,
      );
    }
  }

  private async latest(settingId: string): Promise<number> {
    let latest = 0;
    let cursor: string | undefined;
    do {
      const page = await this.versions.list({
        prefix: `${settingId}/`,
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      latest = page.items.at(-1)?.doc.version ?? latest;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return latest;
  }

  private async *all(prefix = ''): AsyncGenerator<CollectionEntry<SettingVersion>> {
    let cursor: string | undefined;
    do {
      const page = await this.versions.list({ prefix, limit: 100, ...(cursor ? { cursor } : {}) });
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
}

function visible(doc: SettingVersion, named: number | undefined): boolean {
  return !doc.discarded && (!doc.pending || doc.version === named);
}

function summary(entry: CollectionEntry<SettingVersion>): VersionSummary {
  return {
    version: entry.doc.version,
    secret: entry.doc.sealed !== undefined,
    createdAt: entry.doc.createdAt,
    createdBy: entry.doc.createdBy,
  };
}
