import { realpath, stat } from 'node:fs/promises';
import {
  DOCKER_SOCKETS,
  FORBIDDEN_SUBTREES,
  type HostPathRule,
  isWithin,
  LocalDirectoryParamsSchema,
  type SpecConfig,
  StorageSourceType,
} from '@shoal/models';
import { parseParams } from './params.js';
import type { StagedSource, StorageProvider } from './storage.js';

/**
 * `localDirectory`: a path on this machine, mounted where it is (nothing is copied), only when the
 * operator allowed it with `--allow-local-path`. The bidder refuses any other path, and staging
 * checks again after resolving symlinks, so a link inside an allowed tree cannot lead out of it.
 * Read-write only when both the rule (`:rw`) and the input (ReadWrite) say so.
 */
export class LocalDirectoryProvider implements StorageProvider {
  readonly type = StorageSourceType.LocalDirectory;

  constructor(private readonly rules: readonly HostPathRule[]) {}

  refuse(source: SpecConfig): string | undefined {
    let params: { SourcePath: string; ReadWrite: boolean };
    try {
      params = parseParams(LocalDirectoryParamsSchema, source.Params);
    } catch (error) {
      return (error as Error).message;
    }
    return this.check(params.SourcePath, params.ReadWrite).problem;
  }

  async stage(source: SpecConfig, _dest: string, signal: AbortSignal): Promise<StagedSource> {
    const params = parseParams(LocalDirectoryParamsSchema, source.Params);
    signal.throwIfAborted();
    let real: string;
    try {
      real = await realpath(params.SourcePath);
      await stat(real);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        `local path ${params.SourcePath} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`,
      );
    }
    const { problem, readWrite } = this.check(real, params.ReadWrite);
    if (problem)
      throw new Error(
        real === params.SourcePath ? problem : `${params.SourcePath} resolves to ${real}: ${problem}`,
      );
    return { hostPath: real, readOnly: !readWrite };
  }

  private check(path: string, wantsWrite: boolean): { problem?: string; readWrite: boolean } {
    const refused = (problem: string) => ({ problem, readWrite: false });
    if (path.includes(':')) return refused(`local path ${path} contains ":", which a mount cannot name`);
    const system =
      path === '/' ||
      FORBIDDEN_SUBTREES.some((tree) => isWithin(path, tree)) ||
      DOCKER_SOCKETS.some((socket) => isWithin(socket, path));
    if (system)
      return refused(
        `local path ${path} can never be mounted (it exposes the host's system or Docker socket)`,
      );
    const rule = this.ruleFor(path);
    if (!rule)
      return refused(
        `local path ${path} is not allowed on this node (allowed: ${describeRules(this.rules)})`,
      );
    if (wantsWrite && !rule.readWrite)
      return refused(
        `local path ${path} is allowed read-only on this node (allowed: ${describeRules(this.rules)})`,
      );
    return { readWrite: wantsWrite && rule.readWrite };
  }

  /** The most specific rule wins: `/data:ro` with `/data/out:rw` lets tasks write to /data/out only. */
  private ruleFor(path: string): HostPathRule | undefined {
    return this.rules.filter((r) => isWithin(path, r.path)).sort((a, b) => b.path.length - a.path.length)[0];
  }
}

/** `/data:ro, /scratch:rw`, the flag's own syntax, or `none` with where to allow some. */
export function describeRules(rules: readonly HostPathRule[]): string {
  if (rules.length === 0) return 'none; see --allow-local-path';
  return rules.map((r) => `${r.path}:${r.readWrite ? 'rw' : 'ro'}`).join(', ');
}
