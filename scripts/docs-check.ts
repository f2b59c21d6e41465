/**
 * `pnpm docs:check`: the docs must stay true to the repository. It fails on
 * - a relative link (in README.md, docs/ and every package's README) to a file that does not exist,
 *   and any path that climbs out of the repository;
 * - a `shoal` flag named in the docs that no command of the CLI knows: every `--flag` on a line of
 *   code that runs `shoal`, and every inline code span that is only a flag (`--retention`).
 * Flags of other programs that the docs name on their own are listed in OTHER_PROGRAMS_FLAGS.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildProgram } from '../apps/cli/src/program.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Flags of docker, pnpm, node and the like, named alone in inline code. */
const OTHER_PROGRAMS_FLAGS = new Set([
  '--rm',
  '--frozen-lockfile',
  '--filter',
  '--max-semi-space-size',
  '--liftoff-only',
  '--conditions',
  '--import',
  '--continue',
]);

function markdownFiles(): string[] {
  const found = ['README.md'];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir))) {
      const path = join(dir, name);
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (name.endsWith('.md')) found.push(path);
    }
  };
  for (const dir of ['docs', 'apps', 'packages', 'bench', 'infra']) walk(dir);
  return found;
}

function knownFlags(): Set<string> {
  const noop = () => {};
  const program = buildProgram({ out: noop, err: noop } as never, { version: '0' } as never, noop);
  const flags = new Set<string>(['--help', '--version']);
  const visit = (command: Command) => {
    for (const option of command.options) if (option.long) flags.add(option.long);
    for (const sub of command.commands) visit(sub);
  };
  visit(program);
  return flags;
}

const FLAG = /(?<![\w-])--[a-z][a-z0-9-]*/g;

function problemsIn(file: string, flags: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const text = readFileSync(join(root, file), 'utf8');
  let inBlock = false;
  for (const [i, line] of text.split('\n').entries()) {
    const where = `${file}:${i + 1}`;
    if (line.trimStart().startsWith('```')) inBlock = !inBlock;
    // A path that climbs up names something a reader must have: from the file, or from the root.
    for (const [path] of line.matchAll(/(?<=^|[\s`(])\.\.\/[\w./-]+/g)) {
      const fromFile = resolve(dirname(join(root, file)), path);
      const inside = (p: string) => !relative(root, p).startsWith('..') && exists(p);
      if (!inside(fromFile) && !inside(resolve(root, path))) {
        problems.push(`${where}: ${path} is not in the repository`);
      }
    }
    for (const [, target] of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!target || /^(https?:|mailto:|#)/.test(target)) continue;
      const path = resolve(dirname(join(root, file)), target.split('#')[0] ?? '');
      if (!relative(root, path).startsWith('..') && exists(path)) continue;
      problems.push(`${where}: dead link ${target}`);
    }
    const code = inBlock ? [line] : [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
    for (const span of code) {
      const runsShoal = /(^|[\s/])shoal\s/.test(span);
      const aloneFlag = /^--[a-z]/.test(span.trim());
      if (!runsShoal && !aloneFlag) continue;
      for (const [flag] of span.matchAll(FLAG)) {
        if (flags.has(flag) || (!runsShoal && OTHER_PROGRAMS_FLAGS.has(flag))) continue;
        problems.push(`${where}: ${flag} is not a flag of any shoal command`);
      }
    }
  }
  return problems;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

const flags = knownFlags();
const files = markdownFiles();
const problems = files.flatMap((file) => problemsIn(file, flags));
for (const problem of problems) console.error(problem);
console.log(`docs:check: ${files.length} files, ${flags.size} flags known, ${problems.length} problem(s)`);
process.exit(problems.length === 0 ? 0 : 1);
