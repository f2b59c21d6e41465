/**
 * Bacalhau's CLI parses its switches with Go's pflag, which also takes a value after `=`:
 * `--wait=false` is how its own help says to return at once. Commander takes a switch bare only,
 * so on the run commands (`job run`, `docker run`, `wasm run`) `--SWITCH=VALUE` is rewritten
 * before parsing: a true value to the bare switch, a false one to its absence, or, for a switch
 * that is on by default (`--wait`), to its hidden `--no-` form (the later word wins, as in pflag).
 * Words after `--` are the container's own and stay as they are, as does a value pflag would not
 * take, which commander then refuses as an unknown option.
 */

const RUN_SWITCHES = new Set(['--wait', '--follow', '--id-only', '--dry-run']);
/** On unless turned off, as in Bacalhau's RunTimeSettings. */
const ON_BY_DEFAULT = new Set(['--wait']);
const RUN_COMMANDS = new Set(['job', 'docker', 'wasm']);
/** Go's strconv.ParseBool. */
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function withGoBooleans(argv: readonly string[]): string[] {
  if (!RUN_COMMANDS.has(argv[0] ?? '') || argv[1] !== 'run') return [...argv];
  const end = argv.indexOf('--');
  const flags = end === -1 ? argv : argv.slice(0, end);
  const rest = end === -1 ? [] : argv.slice(end);
  const out: string[] = [];
  for (const word of flags) {
    const eq = word.indexOf('=');
    const name = eq === -1 ? '' : word.slice(0, eq);
    const value = word.slice(eq + 1);
    if (!RUN_SWITCHES.has(name) || !(TRUE.has(value) || FALSE.has(value))) out.push(word);
    else if (TRUE.has(value)) out.push(name);
    // False: the switch is off, whatever came before.
    else {
      const off = `--no-${name.slice(2)}`;
      for (let i = out.indexOf(name); i !== -1; i = out.indexOf(name)) out.splice(i, 1);
      if (ON_BY_DEFAULT.has(name) && !out.includes(off)) out.push(off);
    }
  }
  return [...out, ...rest];
}
