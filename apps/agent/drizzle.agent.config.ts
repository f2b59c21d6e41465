import { defineConfig } from 'drizzle-kit';

// The agent's local store (SQLite). Regenerate after editing the schema: `pnpm db:generate`.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/store/schema.ts',
  out: './drizzle',
});
