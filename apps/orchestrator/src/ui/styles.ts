/**
 * The dashboard's stylesheet: system fonts, readable contrast in light and dark schemes, and
 * visible focus. State colours always come with the state's name, never colour alone.
 */
export const DASHBOARD_CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #57606a; --line: #d0d7de;
  --accent: #0550ae; --ok: #116329; --bad: #a40e26; --wait: #7d4e00; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1;
  --line: #30363d; --accent: #6cb6ff; --ok: #57ab5a; --bad: #f47067; --wait: #daaa3f; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem;
  border-bottom: 1px solid var(--line); }
header .brand { font-weight: 700; }
header nav { display: flex; gap: 1rem; flex: 1; }
main { padding: 1rem 1.2rem; max-width: 80rem; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible {
  outline: 3px solid var(--accent); outline-offset: 2px; }
h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); }
td > code, td > a > code { white-space: nowrap; }
code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
pre { background: color-mix(in srgb, var(--fg) 6%, transparent); padding: .7rem; overflow: auto;
  max-height: 30rem; white-space: pre-wrap; word-break: break-word; }
.stderr { color: var(--bad); }
form.filters { display: flex; flex-wrap: wrap; gap: .8rem; align-items: end; margin-bottom: 1rem; }
label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .15rem; }
input, select, button { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line);
  border-radius: 4px; background: var(--bg); color: var(--fg); }
button { cursor: pointer; }
button.danger { border-color: var(--bad); color: var(--bad); }
form.inline { display: inline; }
.state { font-weight: 600; }
.state-Completed, .state-APPROVED, .state-CONNECTED { color: var(--ok); }
.state-Failed, .state-Stopped, .state-REJECTED, .state-DISCONNECTED { color: var(--bad); }
.state-Pending, .state-Queued, .state-PENDING { color: var(--wait); }
.muted { color: var(--muted); }
.message { padding: .7rem 1rem; border: 1px solid var(--bad); border-radius: 4px; }
.labels code { margin-right: .4rem; }
meter { width: 6rem; vertical-align: middle; }
ol.timeline { margin: 0; padding-left: 1.2rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
`;
