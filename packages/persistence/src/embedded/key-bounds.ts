/**
 * Sorts after every string in a key component (ordered-binary writes strings as UTF-8, which
 * never contains the byte 0xff), so `[prefix, KEY_TOP]` closes a range over `[prefix, ...]`.
 */
export const KEY_TOP = Uint8Array.of(0xff);
