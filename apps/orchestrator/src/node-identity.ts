import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type IdGenerator, isValidNodeId } from '@shoal/models';

/** The orchestrator keeps its node id across restarts, like an agent does. */
export function persistentNodeId(dir: string, ids: IdGenerator): string {
  const file = join(dir, 'node-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (isValidNodeId(id)) return id;
  } catch {
    // First start: no id yet.
  }
  const id = ids.node();
  writeFileSync(file, `${id}\n`);
  return id;
}
