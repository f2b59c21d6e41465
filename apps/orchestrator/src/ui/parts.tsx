/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */

/** Small pieces the pages share: a state's name, a label set, a time of day. */

/** The state's name always shows; its colour (styles.ts) only repeats it. */
export function StateBadge({ state }: { state: string }) {
  return <span class={`state state-${state.replace(/[^A-Za-z]/g, '')}`}>{state}</span>;
}

export function Labels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <span class="muted">none</span>;
  return (
    <span class="labels">
      {entries.map(([key, value]) => (
        <code>{`${key}=${value}`}</code>
      ))}
    </span>
  );
}

/** `2026-12-07T04:27:40.123456789Z` → `2026-12-07 04:27:40.123`: enough to order events by eye. */
export function shortTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,3})?/.exec(iso);
  return m ? `${m[1]} ${m[2]}${m[3] ?? ''}` : iso;
}
