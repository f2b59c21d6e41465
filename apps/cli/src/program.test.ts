import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAZY_COMMAND_NAMES } from './command-loaders.js';
import { bufferIO } from './io.js';
import { buildProgram, runCli, withGoBooleans, withoutStyle } from './program.js';

const info = { version: '1.2.3', node: 'v20.0.0', platform: 'linux/x64' };

describe('shoal CLI', () => {
  it('prints help that lists the commands', async () => {
    const io = bufferIO();
    expect(await runCli(['--help'], io, info)).toBe(0);
    expect(io.stdout).toMatch(/Usage: shoal/);
    expect(io.stdout).toMatch(/version/);
    expect(io.stdout).toMatch(/devstack/);
  });

  it('loads on demand exactly the commands of the full tree', () => {
    const full = buildProgram(bufferIO(), info, () => {});
    const job = full.commands.find((c) => c.name() === 'job');
    const names = [
      ...full.commands.map((c) => c.name()),
      ...(job?.commands ?? []).map((c) => `job ${c.name()}`),
    ];
    expect([...LAZY_COMMAND_NAMES].sort()).toEqual(names.sort());
  });

  it('prints its version as text and as JSON', async () => {
    const text = bufferIO();
    expect(await runCli(['version'], text, info)).toBe(0);
    expect(text.stdout).toBe('shoal v1.2.3 (node v20.0.0, linux/x64)\n');
    const json = bufferIO();
    expect(await runCli(['version', '--output', 'json'], json, info)).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      ClientVersion: { GitVersion: 'v1.2.3', Node: 'v20.0.0', Platform: 'linux/x64' },
    });
  });

  it('prints its version as YAML too', async () => {
    const yaml = bufferIO();
    expect(await runCli(['version', '-o', 'yaml'], yaml, info)).toBe(0);
    expect(yaml.stdout).toBe(
      'ClientVersion:\n  GitVersion: v1.2.3\n  Node: v20.0.0\n  Platform: linux/x64\n',
    );
  });

  it('takes --no-style anywhere before --, and writes as to a pipe', async () => {
    const tty = { ...bufferIO(), isTTY: true };
    const plain = withoutStyle(['job', 'list', '--no-style', '--', '--no-style'], tty);
    expect(plain.argv).toEqual(['job', 'list', '--', '--no-style']);
    expect(plain.io.isTTY).toBe(false);
    expect(withoutStyle(['job', 'list'], tty).io.isTTY).toBe(true);
    const io = bufferIO();
    expect(await runCli(['--no-style', 'version'], io, info)).toBe(0);
    expect(io.stdout).toBe('shoal v1.2.3 (node v20.0.0, linux/x64)\n');
    const help = bufferIO();
    await runCli(['--help'], help, info);
    expect(help.stdout).toContain('--no-style');
  });

  it('takes -f for --follow on the run commands, as Bacalhau’s CLI does', async () => {
    for (const command of [
      ['job', 'run'],
      ['docker', 'run'],
      ['wasm', 'run'],
    ]) {
      const help = bufferIO();
      await runCli([...command, '--help'], help, info);
      expect(help.stdout).toContain('-f, --follow');
    }
  });

  it('takes the run commands’ switches as --wait=false or --wait=true, as Bacalhau’s CLI (Go’s pflag) does', async () => {
    const argv = (...a: string[]) => withGoBooleans(['docker', 'run', ...a, 'busybox', '--', '--wait=false']);
    // --wait is on by default, so false turns it off with its hidden --no-wait; the later word wins.
    expect(argv('--wait=false')).toEqual(['docker', 'run', '--no-wait', 'busybox', '--', '--wait=false']);
    expect(argv('--wait=true')).toEqual(['docker', 'run', '--wait', 'busybox', '--', '--wait=false']);
    expect(argv('--wait', '--wait=False')).toEqual([
      'docker',
      'run',
      '--no-wait',
      'busybox',
      '--',
      '--wait=false',
    ]);
    expect(argv('--wait=0', '--wait=1')).toEqual([
      'docker',
      'run',
      '--no-wait',
      '--wait',
      'busybox',
      '--',
      '--wait=false',
    ]);
    expect(argv('--id-only=1', '--follow=f', '--dry-run=T')).toEqual([
      ...['docker', 'run', '--id-only', '--dry-run', 'busybox'],
      ...['--', '--wait=false'],
    ]);
    // A value pflag would not take, and any other command, stay as given, for commander to judge.
    expect(argv('--wait=maybe')).toEqual(['docker', 'run', '--wait=maybe', 'busybox', '--', '--wait=false']);
    expect(withGoBooleans(['job', 'list', '--wait=false'])).toEqual(['job', 'list', '--wait=false']);
    const file = join(mkdtempSync(join(tmpdir(), 'shoal-go-bool-')), 'job.yaml');
    writeFileSync(
      file,
      'Type: batch\nTasks:\n  - Name: t\n    Engine: {Type: docker, Params: {Image: busybox:1.36}}\n',
    );
    for (const command of [
      ['job', 'run', file],
      ['docker', 'run', 'busybox:1.36'],
    ]) {
      const io = bufferIO();
      const code = await runCli([...command, '--wait=false', '--dry-run', '-o', 'json'], io, info);
      expect(io.stderr).toBe('');
      expect(code).toBe(0);
      expect(JSON.parse(io.stdout).Type).toBe('batch');
    }
  });

  it('answers an unknown command or flag with exit code 2 and a one-line reason', async () => {
    const cmd = bufferIO();
    expect(await runCli(['frobnicate'], cmd, info)).toBe(2);
    expect(cmd.stderr).toMatch(/unknown command 'frobnicate'/);
    const flag = bufferIO();
    expect(await runCli(['version', '--nope'], flag, info)).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--nope'/);
  });

  it('checks devstack’s flags before starting anything (commands/devstack.test.ts has the rest)', async () => {
    const io = bufferIO();
    expect(await runCli(['devstack', '--nodes', '0'], io, info)).toBe(2);
    expect(io.stderr).toMatch(/--nodes/);
  });
});
