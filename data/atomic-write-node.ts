// The one way the project writes a file it must not lose (checkpoints, records, logs rewritten in
// place, reports, pictures): bytes go to a temporary file in the same directory, are fsynced, the
// temporary file is renamed over the target and the directory is fsynced, so a crash or power loss
// leaves either the old file or the new one, never a partial one. A failed write removes its
// temporary file; temporaries left by killed processes are removed by the next write to the path.

import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const tmpName = (path: string, pid: number) => `.${basename(path)}.tmp-${pid}-`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temporaries of this path whose writer process no longer runs. */
function removeStale(dir: string, path: string): void {
  const prefix = `.${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const pid = Number(n.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) rmSync(join(dir, n), { force: true });
  }
}

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const dir = dirname(path);
  let fd: number | undefined;
  let tmp: string | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    removeStale(dir, path);
    tmp = join(dir, `${tmpName(path, process.pid)}${Date.now().toString(36)}`);
    fd = openSync(tmp, 'w');
    let at = 0;
    while (at < bytes.byteLength) at += writeSync(fd, bytes, at, bytes.byteLength - at);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
    tmp = undefined;
    syncDir(dir);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    if (tmp) rmSync(tmp, { force: true });
    throw new Error(`Could not write ${path}: ${fsReason(err)}. The previous version of the file, if any, is unchanged.`);
  }
}

/** What an fs error means for the user, in words. */
export function fsReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOSPC': return 'the disk is full';
    case 'EDQUOT': return 'the disk quota is exhausted';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'EROFS': return 'the file system is read-only';
    case 'ENOTDIR':
    case 'EEXIST': return 'a part of the path is a file, not a folder';
    default: return e.message;
  }
}

/** Create an output folder (and its parents), or say in words why it cannot be. */
export function ensureDir(dir: string, what = 'output folder'): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new Error(`Cannot create the ${what} ${dir}: ${fsReason(err)}.`);
  }
}

/** Make the rename durable (a directory fsync; not possible on every platform, e.g. Windows). */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open a directory for fsync; its rename is already durable there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
