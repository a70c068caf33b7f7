/**
 * Installation state: small values that belong to the installation itself rather than to any
 * resource (the admin token hash). Not "settings": a setting is a kind of resource. The adapters
 * keep these values where older versions kept their "settings" (lmdb database and MongoDB
 * collection `settings`), so an existing installation keeps its admin token.
 */
export interface InstallationStore {
  getInstallationValue(key: string): Promise<string | null>;
  /** Stores `value` unless the key has one; returns the value the key holds afterwards. Atomic. */
  setInstallationValueIfAbsent(key: string, value: string): Promise<string>;
}
