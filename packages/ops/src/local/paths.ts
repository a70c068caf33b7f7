import { isAbsolute, join, relative, sep } from 'node:path';

export interface ImagePaths {
  /** Everything Slipway keeps for the image; removing it removes the image. */
  imageDir: string;
  /** The copied and built app: what clusters start from. */
  appDir: string;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function imagePaths(dataDir: string, resourceId: string): ImagePaths {
  // The id becomes a directory we later delete recursively: it must not be able to climb out.
  if (!SAFE_ID.test(resourceId))
    throw new Error(`resource id ${JSON.stringify(resourceId)} cannot name a directory`);
  const imageDir = join(dataDir, 'images', resourceId);
  return { imageDir, appDir: join(imageDir, 'app') };
}

/** True when `child` is `parent` or lies below it (both absolute). */
export function isInside(child: string, parent: string): boolean {
  const path = relative(parent, child);
  return path === '' || (!isAbsolute(path) && path !== '..' && !path.startsWith(`..${sep}`));
}
