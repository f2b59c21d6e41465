// Creates a PGlite data directory, then exits: run as a process of its own (see pglite-files.ts),
// so that the memory initdb takes goes back to the system instead of staying in the orchestrator.
import { PGlite } from '@electric-sql/pglite';

const [dataDir, settings] = process.argv.slice(2);
const db = await PGlite.create({ dataDir, postgresqlconf: JSON.parse(settings ?? '[]') });
await db.close();
