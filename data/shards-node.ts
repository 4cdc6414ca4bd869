// Shards on disk: `<dir>/index.json` + `<dir>/shard-NNNNN.bin`, written atomically.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './image-node.js';
import { REBUILD_SHARDS, type ShardIndex, type ShardSource } from './shards.js';

export function writeShardDir(dir: string, index: ShardIndex, shards: Uint8Array[]): void {
  index.shards.forEach((s, i) => writeFileAtomic(join(dir, s.file), shards[i]));
  writeFileAtomic(join(dir, 'index.json'), JSON.stringify(index, null, 2));
}

export function fileSource(dir: string): ShardSource {
  let index: ShardIndex;
  try {
    index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  } catch (e) {
    throw new Error(`no shard index at ${join(dir, 'index.json')} (${(e as Error).message}); create shards with \`focusclip generate --shards\` or \`focusclip prepare mpii\``);
  }
  return {
    index,
    where: dir,
    read: async (i) => {
      const f = join(dir, index.shards[i].file);
      try { return new Uint8Array(await readFile(f)); } catch (e) { throw new Error(`shard file missing or unreadable: ${f} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); ${REBUILD_SHARDS}`); }
    },
  };
}
